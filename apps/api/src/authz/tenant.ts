import { UnauthorizedException } from '@nestjs/common';
import type { AuthzContext } from '@bastion/authz';

/**
 * The caller's tenant id. Never `undefined`: Prisma drops a `where` key whose
 * value is undefined, which would turn a tenant filter into no filter.
 */
export function tenantOf(ctx: AuthzContext): string {
  const tenantId = ctx.principal.attributes.tenantId;
  if (typeof tenantId !== 'string' || tenantId === '') throw new UnauthorizedException({ message: 'The account has no tenant', code: 'ERR_AUTHZ_NO_PRINCIPAL' });
  return tenantId;
}

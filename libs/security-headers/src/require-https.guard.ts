import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';

/**
 * Refuses plain-HTTP requests with 403 instead of redirecting them (a
 * redirect would already have sent the credentials in clear; ASVS v5
 * 12.2.1). Behind a proxy, the adapter's proxy trust decides what
 * `request.protocol` says, so set TRUST_PROXY to your proxy.
 *
 * @example app.useGlobalGuards(new RequireHttpsGuard(['/health']));
 */
@Injectable()
export class RequireHttpsGuard implements CanActivate {
  constructor(private readonly exceptPrefixes: string[] = []) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ protocol?: string; url?: string; originalUrl?: string }>();
    const path = request.originalUrl ?? request.url ?? '';
    if (this.exceptPrefixes.some((p) => path.startsWith(p))) return true;
    if (request.protocol === 'https') return true;
    throw new ForbiddenException({ message: 'This API is served over HTTPS only', code: 'ERR_HTTPS_REQUIRED' });
  }
}

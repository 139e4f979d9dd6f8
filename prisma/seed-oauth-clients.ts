import { createHash } from 'node:crypto';
import type { PrismaClient } from '@bastion/database';

/** The demo clients of the auth server (apps/auth-server/README.md). Their secrets are public: demo only. */
export const DEMO_OAUTH_CLIENTS = [
  {
    id: 'demo-service',
    name: 'Demo service',
    tenant: 'acme',
    secret: 'demo-service-secret',
    metadata: {
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'documents:read documents:write',
    },
  },
  {
    id: 'demo-spa',
    name: 'Demo single-page app',
    tenant: 'acme',
    secret: undefined,
    metadata: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:8765/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1:8765/'],
      token_endpoint_auth_method: 'none',
      scope: 'openid profile email documents:read',
    },
  },
  {
    id: 'bastion-api',
    name: 'Bastion API',
    tenant: 'acme',
    secret: 'bastion-api-secret',
    metadata: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:3000/v1/auth/oidc/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
    },
  },
] as const;

/** Adds the demo clients that are missing; returns how many it added. */
export async function seedDemoOAuthClients(prisma: PrismaClient, tenantIds: Map<string, string>): Promise<number> {
  let added = 0;
  for (const c of DEMO_OAUTH_CLIENTS) {
    if (await prisma.oAuthClient.findUnique({ where: { id: c.id } })) continue;
    await prisma.oAuthClient.create({
      data: {
        id: c.id,
        name: c.name,
        tenantId: tenantIds.get(c.tenant) as string,
        secretHash: c.secret ? createHash('sha256').update(c.secret).digest('hex') : null,
        metadata: c.metadata as never,
      },
    });
    added += 1;
  }
  return added;
}

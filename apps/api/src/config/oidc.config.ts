import { registerAs } from '@nestjs/config';
import { ConfigError, parseEnv, port, runtimeEnv } from '@bastion/config';
import { z } from 'zod';

/** The demo authorization server's client secret for the API's OIDC login (seed data); refused in production. */
export const PLACEHOLDER_CLIENT_SECRET = 'bastion-api-secret';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be a tenant slug' });
const loopbackOrHttps = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
};
const webUrl = z.string().max(2048).refine(loopbackOrHttps, { error: 'must be an https:// URL (or http:// on loopback)' });

/** One trusted issuer of access tokens, with how the API maps its tokens. */
const issuerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i),
  discoveryUrl: webUrl,
  issuer: z.string().min(1).max(2048).optional(),
  /** Default JWT_AUDIENCE. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  algorithms: z.array(z.string()).min(1).optional(),
  types: z.array(z.string()).min(1).optional(),
  /** `bastion-user`: `sub` is a Bastion user id (the demo server); `federated`: resolved through OIDC-login links. */
  subject: z.enum(['bastion-user', 'federated']).default('federated'),
  /** A claim trusted to name the client's tenant id (e.g. `tid`); only for issuers that assert tenants. */
  tenantClaim: z.string().min(1).max(64).optional(),
  /** The tenant (slug) of this issuer's clients when no trusted claim names one. */
  tenant: slug.optional(),
  /** The role a client (no user behind the token) acts with, narrowed by its scopes. */
  clientRole: z.enum(['viewer', 'editor', 'admin']).default('viewer'),
  jwksCooldownSeconds: z.number().min(0).max(86_400).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(60).optional(),
});

/** A lowercase DNS name of two labels or more (RFC 1035 letters, digits, hyphens; a letters-only TLD), checked label by label. */
function isDomain(value: string): boolean {
  const labels = value.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] as string;
  return /^[a-z]{2,63}$/.test(tld) && labels.every((l) => /^[a-z0-9-]{1,63}$/.test(l) && !l.startsWith('-') && !l.endsWith('-'));
}

/** One OpenID provider users may sign in with. */
const providerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i),
  discoveryUrl: webUrl,
  clientId: z.string().min(1).max(255),
  clientSecret: z.string().min(1).max(512),
  /** Where new users are provisioned. */
  tenant: slug,
  /**
   * Email domains this provider is trusted for in its tenant: a first login
   * with a verified email of one of them links to the existing local account
   * of that email. Exact domains, lowercase; empty (the default): the
   * provider never links an existing account, it only provisions new ones.
   */
  trustedDomains: z
    .array(z.string().max(253).refine(isDomain, { error: 'must be a lowercase domain such as example.com' }))
    .max(100)
    .default([]),
  redirectUri: webUrl,
  scope: z.string().max(512).default('openid email profile'),
  /** The ID token's signing algorithm (the client's registration). Default: RS256 if the provider lists it, else its first listed. */
  idTokenAlg: z.string().regex(/^(RS|PS|ES)(256|384|512)$|^EdDSA$/).optional(),
});

export type OidcIssuerSetting = z.infer<typeof issuerSchema>;
export type OidcLoginProvider = z.infer<typeof providerSchema>;

function jsonList<T extends z.ZodType>(item: T, name: string) {
  return z.string().transform((text, ctx): z.infer<T>[] => {
    let parsed: unknown;
    // A comma list of discovery URLs is the short form.
    if (!text.startsWith('[')) parsed = text.split(',').map((url, i) => ({ name: `issuer${i + 1}`, discoveryUrl: url.trim() }));
    else {
      try {
        parsed = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a JSON array of ${name}` });
        return z.NEVER;
      }
    }
    const result = z.array(item).max(20).safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      ctx.addIssue({ code: 'custom', message: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` });
      return z.NEVER;
    }
    return result.data as z.infer<T>[];
  });
}

/** Trusted external token issuers (resource server) and the OIDC login providers. */
export const oidcConfig = registerAs('oidc', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      AUTH_SERVER_PORT: port(3001),
      OIDC_ISSUERS: jsonList(issuerSchema, 'issuers').optional(),
      OIDC_LOGIN_PROVIDERS: jsonList(providerSchema, 'providers').optional(),
      OIDC_LOGIN_RETURN_URL: webUrl.optional(),
      PORT: port(3000),
    }),
    process.env,
  );
  const demoIssuer = `http://127.0.0.1:${env.AUTH_SERVER_PORT}`;
  const issuers: OidcIssuerSetting[] = env.OIDC_ISSUERS ?? [
    issuerSchema.parse({ name: 'bastion', discoveryUrl: `${demoIssuer}/.well-known/openid-configuration`, subject: 'bastion-user', tenantClaim: 'tid' }),
  ];
  // Production has no demo login provider: its secret is a placeholder.
  const providers: OidcLoginProvider[] =
    env.OIDC_LOGIN_PROVIDERS ??
    (env.NODE_ENV === 'production'
      ? []
      : [
          providerSchema.parse({
            name: 'bastion',
            discoveryUrl: `${demoIssuer}/.well-known/openid-configuration`,
            clientId: 'bastion-api',
            clientSecret: PLACEHOLDER_CLIENT_SECRET,
            tenant: 'acme',
            // The seeded acme users' domain: the demo provider may link them.
            trustedDomains: ['example.com'],
            redirectUri: `http://127.0.0.1:${env.PORT}/v1/auth/oidc/callback`,
          }),
        ]);
  const names = new Set<string>();
  for (const p of providers) {
    if (names.has(p.name)) throw new ConfigError([{ variable: 'OIDC_LOGIN_PROVIDERS', message: `provider "${p.name}" is listed twice` }]);
    names.add(p.name);
    if (env.NODE_ENV === 'production' && p.clientSecret === PLACEHOLDER_CLIENT_SECRET) {
      throw new ConfigError([{ variable: 'OIDC_LOGIN_PROVIDERS', message: `provider "${p.name}" has the demo client secret; set the real one in production` }]);
    }
  }
  return {
    NODE_ENV: env.NODE_ENV,
    OIDC_ISSUERS: issuers,
    OIDC_LOGIN_PROVIDERS: providers,
    OIDC_LOGIN_RETURN_URL: env.OIDC_LOGIN_RETURN_URL ?? `http://127.0.0.1:${env.PORT}/v1/auth/oidc/done`,
  };
});

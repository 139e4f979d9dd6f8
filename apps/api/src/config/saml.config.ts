import { createPrivateKey, X509Certificate } from 'node:crypto';
import { registerAs } from '@nestjs/config';
import { ConfigError, flag, oneOf, parseEnv, runtimeEnv } from '@bastion/config';
import { z } from 'zod';

const ROLES = ['admin', 'editor', 'viewer'] as const;
type Role = (typeof ROLES)[number];

// Env files and orchestrators often carry PEM on one line with literal "\n".
const pemText = (text: string) => text.replace(/\\n/g, '\n').trim();

/** Every PEM certificate in `text` (several allowed, for a rotation), each parsed once to refuse junk. */
export function certificatesIn(text: string): string[] {
  const blocks = pemText(text).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const block of blocks) new X509Certificate(block);
  return blocks;
}

const certificates = z.string().transform((text, ctx) => {
  try {
    const list = certificatesIn(text);
    if (list.length > 0) return list;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'must hold one or more PEM certificates (-----BEGIN CERTIFICATE-----)' });
  return z.NEVER;
});

const httpUrl = z.string().max(2048).refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, { error: 'must be an http(s) URL' });

const groupRoles = z.string().transform((text, ctx) => {
  const map: Record<string, Role> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const group = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim() as Role;
    if (at <= 0 || !ROLES.includes(role)) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma list of group=role (roles: admin, editor, viewer)' });
      return z.NEVER;
    }
    map[group] = role;
  }
  return map;
});

/** SAML single sign-on of the API: this service provider, and the identity provider named in the environment. */
export const samlConfig = registerAs('saml', () => {
  const env = parseEnv(
    runtimeEnv.extend({
      SAML_SP_ENTITY_ID: z.string().min(1).max(512).default('urn:bastion:api:saml'),
      SAML_ACS_URL: httpUrl.default('http://127.0.0.1:3000/v1/auth/saml/acs'),
      SAML_SP_PRIVATE_KEY: z.string().max(16384).transform(pemText).refine((pem) => {
        try {
          return createPrivateKey(pem).asymmetricKeyType === 'rsa';
        } catch {
          return false;
        }
      }, { error: 'must be an RSA private key in PEM' }).optional(),
      SAML_SP_CERT: certificates.optional(),
      SAML_IDP_ENTRY_POINT: httpUrl.optional(),
      SAML_IDP_ISSUER: z.string().min(1).max(512).optional(),
      SAML_IDP_CERT: certificates.optional(),
      SAML_IDP_TENANT: z.string().regex(/^[a-z0-9-]{1,63}$/, { error: 'must be a tenant slug' }).default('acme'),
      SAML_IDP_ALLOW_IDP_INITIATED: flag(false),
      SAML_IDP_GROUP_ROLES: groupRoles.default({}),
      SAML_IDP_DEFAULT_ROLE: oneOf(ROLES, 'viewer'),
      SAML_GROUP_ATTRIBUTES: z
        .string()
        .transform((v) => v.split(',').map((n) => n.trim()).filter(Boolean))
        .default(['groups', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', 'memberOf']),
      SAML_LOGIN_RETURN_URL: httpUrl.default('http://127.0.0.1:3000/login/callback'),
      SAML_CLOCK_SKEW_SECONDS: z.string().regex(/^\d{1,3}$/).transform(Number).refine((n) => n <= 300, { error: 'must be 0 to 300' }).default(60),
    }),
    process.env,
  );
  const idp = [env.SAML_IDP_ENTRY_POINT, env.SAML_IDP_ISSUER, env.SAML_IDP_CERT];
  if (idp.some((v) => v !== undefined) && idp.some((v) => v === undefined)) {
    throw new ConfigError([{ variable: 'SAML_IDP_ENTRY_POINT', message: 'SAML_IDP_ENTRY_POINT, SAML_IDP_ISSUER and SAML_IDP_CERT go together' }]);
  }
  if ((env.SAML_SP_PRIVATE_KEY === undefined) !== (env.SAML_SP_CERT === undefined)) {
    throw new ConfigError([{ variable: 'SAML_SP_CERT', message: 'SAML_SP_PRIVATE_KEY and SAML_SP_CERT go together' }]);
  }
  // Assertions and login codes travel through these URLs: never in clear text
  // in production, once SAML is in use (an IdP in the environment, or the URLs
  // set for IdPs that admins add). Left unset, the loopback defaults make SAML
  // unusable from outside rather than stopping an API that does not use it.
  if (env.NODE_ENV === 'production') {
    for (const variable of ['SAML_ACS_URL', 'SAML_LOGIN_RETURN_URL'] as const) {
      const inUse = process.env[variable] !== undefined || env.SAML_IDP_ENTRY_POINT !== undefined;
      if (inUse && !env[variable].startsWith('https://')) throw new ConfigError([{ variable, message: 'must be an https:// URL in production' }]);
    }
  }
  return env;
});

import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/*
 * Schemas of the answers whose TypeScript types are interfaces or Prisma
 * types (which leave no metadata for @nestjs/swagger to read). Documentation
 * only: the handlers' own return types stay what they are.
 */

const ID = '0b6c3c8e-0000-4000-8000-000000000001';
const WHEN = '2026-11-28T10:00:00.000Z';

@ApiSchema({ name: 'Document', description: 'A document; only the fields the caller may read are present.' })
export class DocumentSchema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) ownerId?: string;
  @ApiProperty({ example: 'Q3 roadmap' }) title!: string;
  @ApiPropertyOptional({ example: 'What we ship next quarter.' }) body?: string;
  @ApiProperty({ enum: ['public', 'internal', 'confidential'], example: 'internal' }) classification!: string;
  @ApiProperty({ example: 'engineering' }) department!: string;
  @ApiProperty({ enum: ['draft', 'published'], example: 'draft' }) status!: string;
  @ApiPropertyOptional({ example: WHEN, format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ example: WHEN, format: 'date-time' }) updatedAt?: string;
}

@ApiSchema({ name: 'DocumentPageV1' })
export class DocumentPageV1Schema {
  @ApiProperty({ type: [DocumentSchema] }) items!: DocumentSchema[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 20 }) pageSize!: number;
  @ApiProperty({ example: 3 }) total!: number;
}

@ApiSchema({ name: 'DocumentSummary' })
export class DocumentSummarySchema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Q3 roadmap' }) title!: string;
  @ApiProperty({ example: 'internal' }) classification!: string;
  @ApiProperty({ example: 'engineering' }) department!: string;
  @ApiProperty({ example: 'draft' }) status!: string;
  @ApiProperty({ example: WHEN, format: 'date-time' }) updatedAt!: string;
}

@ApiSchema({ name: 'DocumentPageV2' })
export class DocumentPageV2Schema {
  @ApiProperty({ type: [DocumentSummarySchema] }) items!: DocumentSummarySchema[];
  @ApiProperty({ type: String, nullable: true, example: 'eyJjIjoiMjAyNi0xMS0yOFQxMDowMDowMC4wMDBaIn0', description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

@ApiSchema({ name: 'User', description: 'A user of the caller\'s tenant; only the fields the caller may read. Never a password hash.' })
export class UserSchema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ format: 'uuid' }) tenantId?: string;
  @ApiPropertyOptional({ example: 'alice@example.com' }) email?: string;
  @ApiProperty({ example: 'Alice' }) displayName!: string;
  @ApiPropertyOptional({ enum: ['admin', 'editor', 'viewer'] }) role?: string;
  @ApiProperty({ example: 'engineering' }) department!: string;
  @ApiPropertyOptional({ enum: ['active', 'disabled'] }) status?: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '+442079460000', description: 'Encrypted at rest; shown to those who may read it, normalised (no spaces).' }) phone?: string | null;
  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
}

class TenantRefSchema {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'acme' }) slug!: string;
}

class AuthenticationSchema {
  @ApiProperty({ enum: ['jwt', 'api-key', 'oidc'], description: '`oidc`: an access token of an issuer in `OIDC_ISSUERS`.' }) method!: string;
  @ApiProperty({ example: ['profile:read', 'documents:read', 'documents:write'] }) scopes!: string[];
}

@ApiSchema({ name: 'MeV1' })
export class MeV1Schema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice@example.com' }) email!: string;
  @ApiProperty({ example: 'Alice' }) displayName!: string;
  @ApiProperty({ example: 'editor' }) role!: string;
  @ApiProperty({ example: 'engineering' }) department!: string;
  @ApiProperty({ type: TenantRefSchema }) tenant!: TenantRefSchema;
  @ApiProperty({ type: AuthenticationSchema }) authentication!: AuthenticationSchema;
}

@ApiSchema({ name: 'MeV2' })
export class MeV2Schema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice@example.com' }) email!: string;
  @ApiProperty({ example: 'Alice' }) displayName!: string;
  @ApiProperty({ example: 'editor' }) role!: string;
  @ApiProperty({ example: 'engineering' }) department!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
}

@ApiSchema({ name: 'ApiKey', description: 'An API key as listed: never its secret.' })
export class ApiKeySchema {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'nightly export' }) name!: string;
  @ApiProperty({ example: 'bst_live_Ab3dEf6hIj9k' }) prefix!: string;
  @ApiProperty({ example: ['documents:read'] }) scopes!: string[];
  @ApiProperty({ type: Number, nullable: true, example: null }) rateLimit!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

@ApiSchema({ name: 'CreatedApiKey', description: 'The only answer that shows `key`: store it in a secret store now.' })
export class CreatedApiKeySchema {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'bst_live_Ab3dEf6hIj9k_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }) key!: string;
  @ApiProperty({ example: 'bst_live_Ab3dEf6hIj9k' }) prefix!: string;
  @ApiProperty({ example: 'nightly export' }) name!: string;
  @ApiProperty({ example: ['documents:read'] }) scopes!: string[];
  @ApiProperty({ type: Number, nullable: true, example: 60 }) rateLimitPerMinute!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

@ApiSchema({ name: 'PolicyRule', description: 'One CASL rule as data (docs/authorization.md).' })
export class PolicyRuleSchema {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'read' }) action!: string | string[];
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'Document' }) subject!: string | string[];
  @ApiPropertyOptional({ example: ['title', 'body'] }) fields?: string[];
  @ApiPropertyOptional({ example: { tenantId: '${user.tenantId}' } }) conditions?: Record<string, unknown>;
  @ApiPropertyOptional() inverted?: boolean;
  @ApiPropertyOptional() reason?: string;
}

@ApiSchema({ name: 'Policy' })
export class PolicySchema {
  @ApiProperty({ enum: ['admin', 'editor', 'viewer'] }) role!: string;
  @ApiProperty({ type: [PolicyRuleSchema] }) rules!: PolicyRuleSchema[];
  @ApiProperty({ example: 3 }) version!: number;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true }) updatedBy!: string | null;
}

@ApiSchema({ name: 'ReplacePolicy' })
export class ReplacePolicySchema {
  @ApiProperty({ type: [PolicyRuleSchema] }) rules!: PolicyRuleSchema[];
}

@ApiSchema({ name: 'Explanation' })
export class ExplanationSchema {
  @ApiProperty({ example: false }) allowed!: boolean;
  @ApiProperty({ example: 'No rule allows read on Document' }) reason!: string;
  @ApiProperty({ type: PolicyRuleSchema, nullable: true }) rule!: PolicyRuleSchema | null;
}

@ApiSchema({ name: 'AuditEvent' })
export class AuditEventSchema {
  @ApiProperty({ example: 42 }) seq!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ example: 'auth.login' }) action!: string;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome!: string;
  @ApiProperty({ example: 'user' }) actorType!: string;
  @ApiProperty({ type: String, nullable: true }) actorId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) tenantId!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetType!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clientAddress!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ example: {} }) details!: Record<string, unknown>;
  @ApiProperty({ example: '0000000000000000000000000000000000000000000000000000000000000000' }) prevHash!: string;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }) hash!: string;
}

@ApiSchema({ name: 'AuditEventPage' })
export class AuditEventPageSchema {
  @ApiProperty({ type: [AuditEventSchema] }) items!: AuditEventSchema[];
  @ApiProperty({ type: Number, nullable: true, example: 41 }) nextCursor!: number | null;
}

@ApiSchema({ name: 'Jwks', description: 'RFC 7517 JSON Web Key Set: the public keys that verify access tokens.' })
export class JwksSchema {
  @ApiProperty({ example: [{ kty: 'EC', crv: 'P-256', kid: 'k1', alg: 'ES256', use: 'sig', x: '…', y: '…' }] })
  keys!: Record<string, string>[];
}

@ApiSchema({ name: 'Health' })
export class HealthSchema {
  @ApiProperty({ example: 'ok' }) status!: string;
  @ApiPropertyOptional({ example: { database: { status: 'up' } } }) info?: Record<string, unknown>;
}

@ApiSchema({ name: 'SamlIdentityProvider', description: 'A SAML identity provider of the caller\'s tenant (its admins manage them).' })
export class SamlIdentityProviderSchema {
  @ApiProperty({ example: ID, format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ example: 'Acme Okta' }) name!: string;
  @ApiProperty({ example: 'http://www.okta.com/exk1a2b3c4d5e6f7g8h9', description: 'The Issuer its assertions carry.' }) entityId!: string;
  @ApiProperty({ example: 'https://acme.okta.com/app/acme_bastion/exk1a2b3c4d5e6f7g8h9/sso/saml', format: 'uri' }) entryPoint!: string;
  @ApiProperty({ type: [String], description: 'Pinned signing certificates (PEM); two during a rotation.', example: ['-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----'] })
  certificates!: string[];
  @ApiProperty({ example: false }) allowIdpInitiated!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', enum: ['admin', 'editor', 'viewer'] }, example: { 'bastion-admins': 'admin' } })
  groupRoles!: Record<string, string>;
  @ApiProperty({ enum: ['admin', 'editor', 'viewer'], example: 'viewer' }) defaultRole!: string;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ example: WHEN, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ example: WHEN, format: 'date-time' }) updatedAt!: string;
}

@ApiSchema({ name: 'OidcLoginDone', description: 'The demo\'s landing page after an OIDC sign-in: what to do with `?code=`.' })
export class OidcLoginDoneSchema {
  @ApiProperty({ example: 'POST the code from this URL to /v1/auth/login-code as {"code": "..."} within 60 seconds' }) next!: string;
}

@ApiSchema({ name: 'Session', description: 'A sign-in and its refreshes: never a token, the user agent header or the full address.' })
export class SessionSchema {
  @ApiProperty({ format: 'uuid', description: 'Also the `sid` claim of its access tokens.' }) id!: string;
  @ApiProperty({ example: 'Firefox 133 on Linux', description: 'From the user agent at sign-in.' }) label!: string;
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.0/24', description: 'The network of the last sign-in or refresh: an IPv4 /24 or IPv6 /48.' }) address!: string | null;
  @ApiProperty({ example: ['pwd'], description: 'How it authenticated (RFC 8176 `amr`): `pwd`, `oidc`, `saml`.' }) amr!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'The last sign-in or refresh (access-token use is not recorded).' }) lastUsedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When it ends however often it is refreshed (JWT_REFRESH_FAMILY_TTL).' }) expiresAt!: string;
  @ApiProperty({ description: 'Whether the access token of this request belongs to it.' }) current!: boolean;
}

@ApiSchema({ name: 'SessionsEnded', description: 'How many sessions were ended.' })
export class SessionsEndedSchema {
  @ApiProperty({ example: 2 }) ended!: number;
}

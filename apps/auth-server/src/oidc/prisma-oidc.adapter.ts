import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '@bastion/database';

/** What oidc-provider hands an adapter and gets back: its own JSON payload. */
export type OidcPayload = Record<string, unknown>;

/**
 * oidc-provider's storage contract (its `Adapter` interface), one instance
 * per model name.
 *
 * @see https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js
 */
export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Settings of the client model that live outside the database. */
export interface ClientOverrides {
  /** Redirect URIs added to a client's registered ones, by client id (OAUTH_BASTION_API_REDIRECT_URIS). */
  extraRedirectUris: Record<string, string[]>;
}

// Kinds whose id is a bearer value (a code, a token) that oidc-provider also
// keeps in the payload as `jti`: stored without it, restored from the id a
// caller presents. Sessions stay whole: they are also found by `uid`.
const ID_IS_SECRET = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'PushedAuthorizationRequest',
  'BackchannelAuthenticationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'Grant',
  'Interaction',
  'ReplayDetection',
]);

/** Row key: the SHA-256 of the id, so that a read of the table yields no usable code, token or cookie. */
function key(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Whether a value a client sent can be looked up as text at all. oidc-provider
 * hands client ids, uids and user codes straight from the request, and
 * PostgreSQL refuses U+0000 in text with an error (a 500): such a value
 * cannot name a stored row, so it is simply not found.
 */
function lookupable(value: unknown, maxLength = 1000): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !value.includes('\u0000');
}

/**
 * oidc-provider storage on Prisma (PGlite or PostgreSQL): every kind in the
 * `oidc_payloads` table, clients from `oauth_clients` (read only: clients are
 * managed by `npm run oauth:client`).
 */
export class PrismaOidcAdapter implements OidcAdapter {
  constructor(
    private readonly name: string,
    private readonly prisma: PrismaClient,
    private readonly overrides: ClientOverrides,
  ) {}

  async upsert(id: string, payload: OidcPayload, expiresIn: number): Promise<void> {
    if (this.name === 'Client') throw new Error('clients are managed with npm run oauth:client');
    const stored: OidcPayload = { ...payload };
    if (ID_IS_SECRET.has(this.name)) delete stored.jti;
    const data = {
      payload: stored as Prisma.InputJsonValue,
      grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
      userCode: typeof payload.userCode === 'string' ? payload.userCode : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await this.prisma.oidcPayload.upsert({
      where: { type_id: { type: this.name, id: key(id) } },
      create: { type: this.name, id: key(id), ...data },
      update: data,
    });
  }

  async find(id: string): Promise<OidcPayload | undefined> {
    if (this.name === 'Client') return this.findClient(id);
    const row = await this.prisma.oidcPayload.findUnique({ where: { type_id: { type: this.name, id: key(id) } } });
    const payload = this.live(row);
    return payload && ID_IS_SECRET.has(this.name) ? { ...payload, jti: id } : payload;
  }

  async findByUid(uid: string): Promise<OidcPayload | undefined> {
    if (!lookupable(uid)) return undefined;
    return this.live(await this.prisma.oidcPayload.findFirst({ where: { type: this.name, uid } }));
  }

  async findByUserCode(userCode: string): Promise<OidcPayload | undefined> {
    if (!lookupable(userCode)) return undefined;
    return this.live(await this.prisma.oidcPayload.findFirst({ where: { type: this.name, userCode } }));
  }

  async consume(id: string): Promise<void> {
    await this.prisma.oidcPayload.updateMany({ where: { type: this.name, id: key(id) }, data: { consumedAt: new Date() } });
  }

  async destroy(id: string): Promise<void> {
    await this.prisma.oidcPayload.deleteMany({ where: { type: this.name, id: key(id) } });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Every kind of the grant at once (codes, refresh tokens, the grant itself): RFC 9700 §4.14.2.
    await this.prisma.oidcPayload.deleteMany({ where: { grantId } });
  }

  private live(row: { payload: unknown; expiresAt: Date | null; consumedAt: Date | null } | null): OidcPayload | undefined {
    if (!row) return undefined;
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return undefined;
    const payload = { ...(row.payload as OidcPayload) };
    if (row.consumedAt) payload.consumed = Math.floor(row.consumedAt.getTime() / 1000);
    return payload;
  }

  private async findClient(id: string): Promise<OidcPayload | undefined> {
    if (!lookupable(id, 100)) return undefined;
    const row = await this.prisma.oAuthClient.findUnique({ where: { id } });
    if (!row || row.revokedAt) return undefined;
    const metadata = { ...(row.metadata as OidcPayload) };
    const extra = this.overrides.extraRedirectUris[id] ?? [];
    const redirectUris = [...((metadata.redirect_uris as string[] | undefined) ?? []), ...extra];
    return {
      ...metadata,
      client_id: row.id,
      client_name: row.name,
      tenant_id: row.tenantId,
      ...(redirectUris.length ? { redirect_uris: [...new Set(redirectUris)] } : {}),
      // The SHA-256 stands where oidc-provider expects the secret; Client.compareClientSecret
      // is replaced to hash the presented secret first (oidc-provider.factory.ts).
      ...(row.secretHash ? { client_secret: row.secretHash } : {}),
    };
  }
}

/** Deletes rows that expired, so the table does not grow with every login. */
export async function deleteExpiredPayloads(prisma: PrismaClient): Promise<number> {
  const { count } = await prisma.oidcPayload.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}

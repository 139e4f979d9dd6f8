// In-memory stores a user writes for @bastion/auth (README step 3) and @bastion/authz (README step 5), kept small:
// this app proves that the copied libs compile and run, not how to persist tokens.
import type { ApiKeyRecord, ApiKeyStore, RefreshTokenRecord, RefreshTokenStore } from './libs/auth/src/index.js';
import type { PolicySet, PolicyStore } from './libs/authz/src/index.js';

export interface AppUser {
  id: string;
  email: string;
  passwordHash: string;
  role: 'viewer' | 'admin';
}

/** The app's users, filled at start-up. */
export class Users {
  readonly byEmail = new Map<string, AppUser>();
  readonly byId = new Map<string, AppUser>();
  add(user: AppUser): void {
    this.byEmail.set(user.email, user);
    this.byId.set(user.id, user);
  }
}

type StoredRefresh = RefreshTokenRecord & { tokenHash: string };

/** Refresh tokens in a Map; `claim` is atomic because the event loop runs one call at a time. */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  private readonly rows = new Map<string, StoredRefresh>();
  async insert(record: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'> & { tokenHash: string }): Promise<void> {
    this.rows.set(record.id, { ...record, usedAt: null, revokedAt: null });
  }
  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return [...this.rows.values()].find((r) => r.tokenHash === tokenHash) ?? null;
  }
  async claim(id: string, at: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.usedAt) return false;
    row.usedAt = at;
    return true;
  }
  async revokeFamily(familyId: string, at: Date): Promise<{ jti: string; expiresAt: Date }[]> {
    return this.revokeWhere((r) => r.familyId === familyId, at);
  }
  async familyRevoked(familyId: string): Promise<boolean> {
    return [...this.rows.values()].some((r) => r.familyId === familyId && r.revokedAt);
  }
  async revokeUser(userId: string, at: Date): Promise<{ jti: string; expiresAt: Date }[]> {
    return this.revokeWhere((r) => r.userId === userId, at);
  }
  private revokeWhere(match: (r: StoredRefresh) => boolean, at: Date): { jti: string; expiresAt: Date }[] {
    const rows = [...this.rows.values()].filter(match);
    for (const r of rows) r.revokedAt ??= at;
    return rows.map((r) => ({ jti: r.accessJti, expiresAt: r.accessExpiresAt }));
  }
}

/** API keys by their lookup prefix. */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly byPrefix = new Map<string, ApiKeyRecord>();
  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.byPrefix.get(prefix) ?? null;
  }
  async touch(id: string, at: Date): Promise<void> {
    for (const r of this.byPrefix.values()) if (r.id === id) r.lastUsedAt = at;
  }
}

/** Policies as data: a viewer reads documents and deletes none; an admin reads and deletes them. */
export class StaticPolicyStore implements PolicyStore {
  async load(): Promise<PolicySet> {
    return {
      version: 1,
      roles: {
        viewer: [{ action: 'read', subject: 'Document' }],
        admin: [{ action: ['read', 'delete'], subject: 'Document' }],
      },
    };
  }
}

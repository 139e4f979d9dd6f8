import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AUTH_CACHE_BUS, AuthCache, type AuthCacheBus } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { cacheConfig } from '../config';

/** What a request's principal is built from, and what `/users/me` shows: never the password hash. */
export interface CachedUser {
  id: string;
  email: string;
  displayName: string;
  role: string;
  department: string;
  status: string;
  tenantId: string;
  tenantSlug: string;
  /** Whether the tenant is an operator tenant (its admins manage the shared policies and read every tenant's audit events). */
  tenantOperator: boolean;
}

/**
 * The users that requests act as, read once and then served from memory
 * until the cache bus says they changed (a role, status, department or
 * display name changed through the API, on any instance) or `AUTH_CACHE_TTL`
 * ends. Authorization and `/users/me` take the caller from here, so a
 * request costs no database read for its principal; a change still applies
 * to the user's next request, because the instance that makes it publishes
 * it before it answers.
 */
@Injectable()
export class PrincipalCache implements OnModuleDestroy {
  private readonly cache: AuthCache<CachedUser>;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(AUTH_CACHE_BUS) private readonly bus: AuthCacheBus,
    @Inject(cacheConfig.KEY) cfg: ConfigType<typeof cacheConfig>,
  ) {
    this.cache = new AuthCache<CachedUser>({ ttlMs: cfg.AUTH_CACHE_TTL_MS, bus });
  }

  /** The user `id`, or null when there is none. */
  get(id: string): Promise<CachedUser | null> {
    return this.cache.get(id, () => this.load(id), (u) => [`user:${u.id}`]);
  }

  /** Hits and misses since start. */
  get stats() {
    return this.cache.stats;
  }

  /** Call after changing a user: every instance forgets what it cached of them (and of their API keys). */
  changed(id: string): Promise<void> {
    return this.bus.publish({ kind: 'user', id });
  }

  onModuleDestroy(): void {
    this.cache.close();
  }

  private async load(id: string): Promise<CachedUser | null> {
    const row = await this.prisma.user.findUnique({
      where: { id },
      select: { id: true, email: true, displayName: true, role: true, department: true, status: true, tenantId: true, tenant: { select: { slug: true, operator: true } } },
    });
    if (!row) return null;
    const { tenant, ...user } = row;
    return { ...user, tenantSlug: tenant.slug, tenantOperator: tenant.operator };
  }
}

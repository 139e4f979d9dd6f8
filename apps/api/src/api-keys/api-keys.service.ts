import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ApiKeyService, AUTH_CACHE_BUS, type AuthCacheBus, type AuthPrincipal } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';

/** Most live keys one user may hold: a leaked session cannot mint keys without end. */
export const MAX_ACTIVE_KEYS = 25;
/** Longest lifetime a key may be given. */
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;

const LISTED = { id: true, name: true, prefix: true, scopes: true, rateLimit: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true } as const;

/** The caller's own API keys. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keys: ApiKeyService,
    @Inject(AUTH_CACHE_BUS) private readonly cacheBus: AuthCacheBus,
  ) {}

  async create(principal: AuthPrincipal, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const now = Date.now();
    if (dto.expiresAt && (dto.expiresAt.getTime() <= now || dto.expiresAt.getTime() > now + MAX_LIFETIME_MS)) {
      throw new ProblemException(400, { detail: 'expiresAt must be in the future and at most a year away', code: 'ERR_API_KEY_EXPIRY' });
    }
    const active = await this.prisma.apiKey.count({
      where: { userId: principal.sub, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date(now) } }] },
    });
    if (active >= MAX_ACTIVE_KEYS) {
      throw new ProblemException(409, { detail: `A user may hold at most ${MAX_ACTIVE_KEYS} live API keys; revoke one first`, code: 'ERR_API_KEY_LIMIT' });
    }
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.sub }, select: { tenantId: true, status: true } });
    // A token outlives a disabled account by up to its lifetime: it must not mint credentials meanwhile.
    if (user.status !== 'active') throw new ProblemException(403, { detail: 'The account is disabled', code: 'ERR_ACCOUNT_DISABLED' });
    const generated = this.keys.generate();
    const row = await this.prisma.apiKey.create({
      data: {
        userId: principal.sub,
        tenantId: user.tenantId,
        name: dto.name,
        scopes: dto.scopes,
        expiresAt: dto.expiresAt ?? null,
        rateLimit: dto.rateLimitPerMinute ?? null,
        prefix: generated.prefix,
        digest: generated.digest,
      },
    });
    return {
      id: row.id,
      key: generated.key,
      prefix: row.prefix,
      name: row.name,
      scopes: row.scopes,
      rateLimitPerMinute: row.rateLimit,
      expiresAt: row.expiresAt,
      createdAt: row.createdAt,
    };
  }

  list(principal: AuthPrincipal): Promise<ApiKeyDto[]> {
    return this.prisma.apiKey.findMany({ where: { userId: principal.sub }, select: LISTED, orderBy: { createdAt: 'desc' } });
  }

  /** Revokes one of the caller's keys; another user's key id is reported as not found. */
  async revoke(principal: AuthPrincipal, id: string): Promise<void> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id, userId: principal.sub, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) {
      const exists = await this.prisma.apiKey.count({ where: { id, userId: principal.sub } });
      if (!exists) throw new NotFoundException('No such API key');
    }
    // Before answering: no instance serves the key from its cache after this.
    await this.cacheBus.publish({ kind: 'api-key', id });
  }
}

import type { ApiKeyRecord, ApiKeyStore } from '@bastion/auth';
import type { PrismaService } from '@bastion/database';

/** API keys in the `api_keys` table, joined with their owner. */
export class PrismaApiKeyStore implements ApiKeyStore {
  constructor(private readonly prisma: PrismaService) {}

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const row = await this.prisma.apiKey.findUnique({
      where: { prefix },
      include: { user: { select: { status: true, tenantId: true, role: true, department: true } } },
    });
    if (!row) return null;
    return {
      id: row.id,
      ownerId: row.userId,
      digest: row.digest,
      scopes: row.scopes,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      lastUsedAt: row.lastUsedAt,
      ownerActive: row.user.status === 'active',
      attributes: {
        tid: row.user.tenantId,
        role: row.user.role,
        dept: row.user.department,
        ...(row.rateLimit ? { rl: String(row.rateLimit) } : {}),
      },
    };
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }
}

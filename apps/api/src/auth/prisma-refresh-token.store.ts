import type { RefreshTokenRecord, RefreshTokenStore } from '@bastion/auth';
import type { PrismaService } from '@bastion/database';

/**
 * Refresh tokens in the `refresh_tokens` table. A family is a session
 * (`sessions.id`): revoking a family ends its session in the same transaction.
 */
export class PrismaRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly prisma: PrismaService) {}

  async insert(record: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'> & { tokenHash: string }): Promise<void> {
    await this.prisma.refreshToken.create({ data: record });
  }

  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash } });
  }

  async claim(id: string, at: Date): Promise<boolean> {
    // A conditional update is atomic: of two racing uses, one sees count 0.
    const { count } = await this.prisma.refreshToken.updateMany({
      where: { id, usedAt: null, revokedAt: null },
      data: { usedAt: at },
    });
    return count === 1;
  }

  revokeFamily(familyId: string, at: Date) {
    return this.revokeWhere({ familyId }, at);
  }

  async familyRevoked(familyId: string): Promise<boolean> {
    return (await this.prisma.refreshToken.count({ where: { familyId, revokedAt: { not: null } } })) > 0;
  }

  revokeUser(userId: string, at: Date) {
    return this.revokeWhere({ userId }, at);
  }

  private async revokeWhere(where: { familyId: string } | { userId: string }, at: Date) {
    const sessions = 'familyId' in where ? { id: where.familyId } : { userId: where.userId };
    const [rows] = await this.prisma.$transaction([
      this.prisma.refreshToken.findMany({ where: { ...where, accessExpiresAt: { gt: at } }, select: { accessJti: true, accessExpiresAt: true } }),
      this.prisma.refreshToken.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: at } }),
      // The session shows as ended; a reason set by whoever ended it first stays.
      this.prisma.session.updateMany({ where: { ...sessions, endedAt: null }, data: { endedAt: at, endReason: 'familyId' in where ? 'revoked' : 'signed-out' } }),
    ]);
    return rows.map((r) => ({ jti: r.accessJti, expiresAt: r.accessExpiresAt }));
  }
}

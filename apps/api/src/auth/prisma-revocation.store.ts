import { DENY_GRACE_MS, type NewRevocation, type RevocationEntry, type RevocationStore } from '@bastion/auth';
import type { Prisma, PrismaService } from '@bastion/database';

type Row = { seq: bigint; kind: string; subject: string; disabled: boolean; revokedBefore: Date | null; expiresAt: Date | null; createdAt: Date };
type Db = Prisma.TransactionClient;


function entryOf(row: Row): RevocationEntry {
  const seq = Number(row.seq);
  if (row.kind === 'token' || row.kind === 'session') return { seq, kind: row.kind, id: row.subject, expiresAtMs: row.expiresAt?.getTime() ?? Number.MAX_SAFE_INTEGER };
  return { seq, kind: 'subject', id: row.subject, disabled: row.disabled, revokedBeforeMs: row.revokedBefore?.getTime() ?? 0, expiresAtMs: row.expiresAt?.getTime() ?? null };
}

/**
 * Revocations in the `revocations` table: the source of truth every API
 * instance's `RevocationList` loads and polls (a read of the rows recorded
 * since the last poll, on the `created_at` index).
 *
 * A user's revocation (disabling, a password reset, signing out of
 * everything) also ends, in the same transaction, every session of the user
 * begun before it: the session list shows them ended, their refresh
 * families are refused, and a `session` row per session refuses their
 * access tokens, those of the revocation's own second included.
 */
export class PrismaRevocationStore implements RevocationStore {
  /** `accessTokenTtlMs`: how long a session's access tokens may still verify after it ends. */
  constructor(
    private readonly prisma: PrismaService,
    private readonly accessTokenTtlMs: number,
  ) {}

  append(entry: NewRevocation): Promise<RevocationEntry> {
    return this.prisma.$transaction((tx) => this.appendIn(tx, entry));
  }

  /** {@link append} inside the caller's transaction (e.g. with the user's new status), so both commit or neither. */
  async appendIn(tx: Db, entry: NewRevocation): Promise<RevocationEntry> {
    if (entry.kind === 'token' || entry.kind === 'session') {
      await tx.revocation.createMany({ data: [{ kind: entry.kind, subject: entry.id, expiresAt: new Date(entry.expiresAtMs) }], skipDuplicates: true });
      return entryOf(await tx.revocation.findUniqueOrThrow({ where: { kind_subject: { kind: entry.kind, subject: entry.id } } }));
    }
    await this.endSessionsOf(tx, entry);
    // The user's latest state replaces the earlier ones, with a new number, so that pollers order it after them.
    await tx.revocation.deleteMany({ where: { kind: 'subject', subject: entry.id } });
    return entryOf(
      await tx.revocation.create({
        data: {
          kind: 'subject',
          subject: entry.id,
          disabled: entry.disabled,
          revokedBefore: new Date(entry.revokedBeforeMs),
          expiresAt: entry.expiresAtMs === null ? null : new Date(entry.expiresAtMs),
        },
      }),
    );
  }

  private async endSessionsOf(tx: Db, entry: Extract<NewRevocation, { kind: 'subject' }>): Promise<void> {
    // Only a user id names sessions; another app's subject (a client id) has none.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(entry.id)) return;
    const before = new Date(entry.revokedBeforeMs);
    const live = await tx.session.findMany({ where: { userId: entry.id, endedAt: null, createdAt: { lte: before } }, select: { id: true } });
    if (live.length === 0) return;
    await tx.session.updateMany({
      where: { id: { in: live.map((s) => s.id) }, endedAt: null },
      data: { endedAt: before, endReason: entry.disabled ? 'disabled' : 'signed-out' },
    });
    // A session's access tokens outlive its end by one lifetime at most (and a minute for clocks).
    const expiresAt = new Date(before.getTime() + this.accessTokenTtlMs + DENY_GRACE_MS);
    await tx.revocation.createMany({
      data: live.map((s) => ({ kind: 'session', subject: s.id, expiresAt })),
      skipDuplicates: true,
    });
  }

  async changes(sinceMs: number | null): Promise<{ entries: RevocationEntry[]; cursorMs: number | null }> {
    const rows = await this.prisma.revocation.findMany({
      where: {
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        // created_at is the database's clock, and so is the cursor handed back.
        ...(sinceMs === null ? {} : { createdAt: { gte: new Date(sinceMs) } }),
      },
      orderBy: { seq: 'asc' },
    });
    const cursorMs = rows.reduce<number | null>((max, r) => Math.max(max ?? 0, r.createdAt.getTime()), sinceMs);
    return { entries: rows.map(entryOf), cursorMs };
  }

  async purge(beforeMs: number): Promise<number> {
    const { count } = await this.prisma.revocation.deleteMany({ where: { expiresAt: { lt: new Date(beforeMs) } } });
    return count;
  }
}

import type { NewRevocation, RevocationEntry, RevocationStore } from '@bastion/auth';
import type { Prisma, PrismaService } from '@bastion/database';

type Row = { seq: bigint; kind: string; subject: string; disabled: boolean; revokedBefore: Date | null; expiresAt: Date | null; createdAt: Date };
type Db = Prisma.TransactionClient;

function entryOf(row: Row): RevocationEntry {
  const seq = Number(row.seq);
  if (row.kind === 'token') return { seq, kind: 'token', id: row.subject, expiresAtMs: row.expiresAt?.getTime() ?? Number.MAX_SAFE_INTEGER };
  return { seq, kind: 'subject', id: row.subject, disabled: row.disabled, revokedBeforeMs: row.revokedBefore?.getTime() ?? 0, expiresAtMs: row.expiresAt?.getTime() ?? null };
}

/**
 * Revocations in the `revocations` table: the source of truth every API
 * instance's `RevocationList` loads and polls (a read of the rows recorded
 * since the last poll, on the `created_at` index).
 */
export class PrismaRevocationStore implements RevocationStore {
  constructor(private readonly prisma: PrismaService) {}

  append(entry: NewRevocation): Promise<RevocationEntry> {
    return this.prisma.$transaction((tx) => this.appendIn(tx, entry));
  }

  /** {@link append} inside the caller's transaction (e.g. with the user's new status), so both commit or neither. */
  async appendIn(tx: Db, entry: NewRevocation): Promise<RevocationEntry> {
    if (entry.kind === 'token') {
      await tx.revocation.createMany({ data: [{ kind: 'token', subject: entry.id, expiresAt: new Date(entry.expiresAtMs) }], skipDuplicates: true });
      return entryOf(await tx.revocation.findUniqueOrThrow({ where: { kind_subject: { kind: 'token', subject: entry.id } } }));
    }
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

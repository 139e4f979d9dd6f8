import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseConnection, SqlSession } from './connection.js';
import { DatabaseError } from './errors.js';

/** What {@link applyMigrations} did. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

// Written by hand rather than running `prisma migrate deploy` because the
// Prisma CLI cannot reach a database held open by this process (PGlite allows
// one process per folder, and `memory://` databases exist only in-process),
// and every CLI run with a driver adapter idles ~10 s before exiting. It keeps
// Prisma's own bookkeeping table, checksum (SHA-256 of migration.sql) and lock,
// so `prisma migrate status` / `migrate deploy` agree with it.
const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Lists the migration folders in `dir`, oldest first (their names start with a timestamp). */
async function listMigrations(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Applies the migrations of `migrationsDir` that the database has not seen,
 * each in its own transaction, under Prisma's migrate lock. Refuses to go on
 * when an applied migration's file was edited or a previous one failed.
 */
export async function applyMigrations(
  db: DatabaseConnection,
  migrationsDir: string,
): Promise<MigrationReport> {
  const names = await listMigrations(migrationsDir);
  return db.exclusive(async (session: SqlSession) => {
    await session.exec(BOOKKEEPING);
    const rows = await session.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    const applied: string[] = [];
    for (const name of names) {
      const sql = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8').catch((cause: unknown) => {
        throw new DatabaseError('ERR_DATABASE_MIGRATION_FAILED', `migration ${name} has no readable migration.sql`, { cause });
      });
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(name);
      if (previous) {
        if (previous.finished_at === null) {
          throw new DatabaseError(
            'ERR_DATABASE_MIGRATION_FAILED',
            `migration ${name} failed earlier; resolve it with "prisma migrate resolve" before going on`,
          );
        }
        if (previous.checksum !== checksum) {
          throw new DatabaseError(
            'ERR_DATABASE_MIGRATION_CHANGED',
            `migration ${name} was edited after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await session.transaction(async (tx) => {
          await tx.exec(sql);
          await tx.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), 1)`,
            [randomUUID(), checksum, name],
          );
        });
      } catch (cause) {
        throw new DatabaseError('ERR_DATABASE_MIGRATION_FAILED', `migration ${name} failed and was rolled back`, {
          cause,
        });
      }
      applied.push(name);
    }
    return { applied, alreadyApplied: names.length - applied.length };
  });
}

import { resolve } from 'node:path';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from './errors.js';
import { PGlite } from '@electric-sql/pglite';

interface Entry {
  db: Promise<PGlite>;
  users: number;
}

// PGlite is a single-process database: two instances opened on one folder
// corrupt it. Every user in this process (the API, the auth server, the
// migrator, the seed) therefore shares one instance per folder, and the last
// one to let go closes it. `memory://` is shared the same way, so that two
// apps started in one test see the same throwaway database.
const open = new Map<string, Entry>();

/**
 * Postgres settings of the embedded database, added to PGlite's own start parameters.
 *
 * PGlite keeps initdb's `shared_buffers = 128MB`, allocated inside its WebAssembly heap, and nearly all of it is
 * resident as soon as the database starts: ~150 MiB before the first query, ~30 MiB with 16 MB (measured in
 * docs/performance.md, "Memory"). The demo's whole database, catalog included, is under 10 MB, so 16 MB holds all of
 * it; a page that does not fit is read again from the data folder (through the operating system's file cache) or,
 * for `memory://`, from PGlite's in-memory file system, so a larger database gets slower, never wrong.
 * `wal_buffers` follows it (1/32, 512 kB). The per-operation limits (`work_mem`, `maintenance_work_mem`,
 * `temp_buffers`) are ceilings allocated only while a query needs them, so they keep Postgres's defaults.
 */
const SHARED_BUFFERS = 'shared_buffers=16MB';
const EMBEDDED_SETTINGS = ['-c', SHARED_BUFFERS];

function keyOf(dir: string): string {
  return dir.startsWith('memory://') ? dir : resolve(dir);
}

/** Opens (or shares) the embedded database stored in `dir`. Pair with {@link releaseEmbedded}. */
export function acquireEmbedded(dir: string): Promise<PGlite> {
  const key = keyOf(dir);
  let entry = open.get(key);
  if (!entry) {
    if (!key.startsWith('memory://')) {
      mkdirSync(key, { recursive: true });
      lockFolder(key);
    }
    const db = PGlite.create(key.startsWith('memory://') ? undefined : key, {
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
      // A new cluster's initdb runs with it too, and writes it into the folder's postgresql.conf.
      initDbStartParams: ['--set', SHARED_BUFFERS],
    });
    entry = { db, users: 0 };
    open.set(key, entry);
    db.catch(() => open.delete(key));
  }
  entry.users += 1;
  return entry.db;
}

/** Lets go of the database; closes it when nobody else in this process uses it. */
export async function releaseEmbedded(dir: string): Promise<void> {
  const key = keyOf(dir);
  const entry = open.get(key);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  open.delete(key);
  const db = await entry.db;
  if (!db.closed) await db.close();
  if (!key.startsWith('memory://')) unlockFolder(key);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// PGlite has no lock of its own, and two processes on one folder corrupt it:
// a pid file refuses a second process (a script while `npm start` runs) and
// is taken over when the process that wrote it is gone.
function lockFolder(dir: string): void {
  const file = join(dir, 'bastion.pid');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
    throw new DatabaseError(
      'ERR_DATABASE_LOCKED',
      `the embedded database in ${dir} is in use by process ${holder}; stop it first (PGlite allows one process), or use PostgreSQL`,
    );
  }
  writeFileSync(file, String(process.pid));
}

function unlockFolder(dir: string): void {
  try {
    if (readFileSync(join(dir, 'bastion.pid'), 'utf8') === String(process.pid)) unlinkSync(join(dir, 'bastion.pid'));
  } catch {
    // already gone
  }
}

const locks = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier holder of the same folder's lock has finished. */
export function withEmbeddedLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = keyOf(dir);
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.catch(() => undefined);
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return run;
}

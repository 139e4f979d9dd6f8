import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
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

function keyOf(dir: string): string {
  return dir.startsWith('memory://') ? dir : resolve(dir);
}

/** Opens (or shares) the embedded database stored in `dir`. Pair with {@link releaseEmbedded}. */
export function acquireEmbedded(dir: string): Promise<PGlite> {
  const key = keyOf(dir);
  let entry = open.get(key);
  if (!entry) {
    if (!key.startsWith('memory://')) mkdirSync(key, { recursive: true });
    const db = PGlite.create(key.startsWith('memory://') ? undefined : key);
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

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { INestApplication } from '@nestjs/common';
import { applyMigrations, type DatabaseConnection, PrismaClient } from '@bastion/database';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { seedDemo } from '../../prisma/seed';
import { MIGRATIONS_DIR, openConfiguredDatabase } from '../../scripts/database';

/** Environment overrides for one app; `undefined` removes a variable. */
export type Env = Record<string, string | undefined>;

/**
 * The environment every e2e app starts with: the services the suite was run
 * against (DATABASE_URL / REDIS_URL from `npm run test:services`), or a
 * throwaway in-memory embedded database of this test file.
 */
export function baseEnv(): Env {
  const keys = mkdtempSync(join(tmpdir(), 'bastion-keys-'));
  return {
    LOG_LEVEL: 'fatal',
    NODE_ENV: 'test',
    EMBEDDED_DB_DIR: process.env.DATABASE_URL ? undefined : `memory://${randomUUID()}`,
    // The signing keys of this test file's apps (a second instance shares them).
    JWT_KEYS_FILE: join(keys, 'jwt-keys.json'),
    // The field-encryption key ring of this test file's apps (made on first use).
    ENCRYPTION_KEYS_FILE: join(keys, 'encryption-keys.json'),
    // The auth server's signing keys, likewise out of the repository's .data/.
    OIDC_JWKS_FILE: join(keys, 'oidc-jwks.json'),
  };
}

/** Runs `fn` with `env` laid over process.env, then restores it. */
export async function withEnv<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const saved: Env = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A migrated and seeded database, held open for the test file. */
export async function prepareDatabase(env: Env): Promise<DatabaseConnection> {
  return withEnv(env, async () => {
    const db = await openConfiguredDatabase();
    await applyMigrations(db, MIGRATIONS_DIR);
    if (process.env.DATABASE_URL) {
      // `npm run test:services` runs on a throwaway database shared by every
      // file: start each from the seed alone.
      // Encrypted values of an earlier file are under that file's keys: the seed writes them again under this one's.
      await db.exclusive((s) => s.exec('DELETE FROM api_keys; DELETE FROM refresh_tokens; DELETE FROM sessions; DELETE FROM revocations; DELETE FROM documents; UPDATE users SET phone = NULL, phone_index = NULL;'));
    }
    if (process.env.REDIS_URL) {
      const redis = new Redis(process.env.REDIS_URL);
      await redis.flushdb();
      redis.disconnect();
    }
    const prisma = new PrismaClient({ adapter: db.adapter as never });
    await seedDemo(prisma);
    await prisma.$disconnect();
    return db;
  });
}

/** An API listening on a free loopback port. */
export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Starts the API the way `npm start` does, with `env` laid over process.env. */
export async function startApi(env: Env): Promise<RunningApp> {
  const { app } = await withEnv(env, () => createApiApp());
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/**
 * The API of one e2e file: a migrated, seeded database and the app, started
 * before the file's tests and closed after them. The returned object reads
 * through to the running app, so tests use `api.url` and `api.app` as usual.
 */
export function useApi(env: Env): RunningApp {
  let db: DatabaseConnection | undefined;
  let running: RunningApp | undefined;
  beforeAll(async () => {
    db = await prepareDatabase(env);
    running = await startApi(env);
  });
  afterAll(async () => {
    await running?.close();
    await db?.close();
  });
  const current = (): RunningApp => {
    if (!running) throw new Error('the API is used before beforeAll started it');
    return running;
  };
  return {
    get app() {
      return current().app;
    },
    get url() {
      return current().url;
    },
    close: () => current().close(),
  };
}

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { databaseEnv, parseEnv, startupErrorMessage } from '@bastion/config';
import { applyMigrations, PrismaClient } from '@bastion/database';
import { createApiApp } from '../apps/api/src/bootstrap';
import { validateApiEnvironment } from '../apps/api/src/config';
import { createAuthServerApp } from '../apps/auth-server/src/bootstrap';
import { validateAuthServerEnvironment } from '../apps/auth-server/src/config';
import { loadOidcProvider } from '../apps/auth-server/src/oidc/oidc-provider.factory';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../prisma/seed';
import { encryptLegacyPlaintext } from '../apps/api/src/encryption/rotate-keys';
import { shutdownState } from '../apps/api/src/common/shutdown-state';
import { MIGRATIONS_DIR, openConfiguredDatabase } from './database';

// `npm start`: the API and the auth server in one process. On the embedded
// database that is required, not just convenient: PGlite allows one process
// per data folder, and both apps share it.
async function main(): Promise<void> {
  const started = Date.now();
  validateApiEnvironment();
  validateAuthServerEnvironment();
  // The auth server's oidc-provider loads while the database starts (an error surfaces when the app is built).
  loadOidcProvider().catch(() => undefined);
  const embedded = parseEnv(databaseEnv, process.env).DATABASE_URL === undefined;
  if (embedded) await createEmbeddedCluster(parseEnv(databaseEnv, process.env).EMBEDDED_DB_DIR);

  // Held open until shutdown, so the apps share this database instead of reopening it.
  const db = await openConfiguredDatabase();
  const migrations = await applyMigrations(db, MIGRATIONS_DIR);
  if (migrations.applied.length) console.log(`Applied migration(s): ${migrations.applied.join(', ')}`);
  if (embedded && process.env.NODE_ENV !== 'production') {
    // Every start: the seed only adds what is missing (e.g. the policies of a
    // demo database made before they existed), and touches nothing else.
    // A demo database from before field encryption: its document bodies are encrypted now, once.
    const adopted = await encryptLegacyPlaintext(db);
    if (adopted) console.log(`Encrypted ${adopted} value(s) stored before field encryption.`);
    const prisma = new PrismaClient({ adapter: db.adapter as never });
    const report = await seedDemo(prisma);
    if (report.users || report.documents || report.policies) {
      console.log(`Seeded the embedded demo: ${report.users} users, ${report.documents} documents, ${report.policies} policies.`);
    }
    await prisma.$disconnect();
  }

  const apps: INestApplication[] = [];
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    // A stuck close must not keep the process (and the database folder) forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    // Readiness down, then each server closed before its modules (the database) go, so in-flight requests finish.
    shutdownState.draining = true;
    for (const app of apps.reverse()) {
      await app.getHttpAdapter().close();
      await app.close();
    }
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  // Both apps are built before either listens, so that neither answers while the other is still starting.
  const api = await createApiApp();
  apps.push(api.app);
  const auth = await createAuthServerApp();
  apps.push(auth.app);
  await api.app.listen(api.port, api.host);
  await auth.app.listen(auth.port, auth.host);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    [
      '',
      `Bastion is ready in ${seconds} s (${embedded ? 'embedded database in ' + parseEnv(databaseEnv, process.env).EMBEDDED_DB_DIR : 'PostgreSQL'}).`,
      `  API          http://${api.host}:${api.port}   (health: /health/ready)`,
      `  Auth server  http://${auth.host}:${auth.port}`,
      ...(embedded
        ? ['', `Demo users (password ${DEMO_PASSWORD}):`, ...DEMO_USERS.map((u) => `  ${u.email.padEnd(22)} ${u.role.padEnd(7)} ${u.department.padEnd(12)} ${u.tenant}`)]
        : []),
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

/**
 * Creates the embedded database's cluster in a child process when its folder holds none yet (the first start).
 * PGlite's initdb runs a second database instance beside the first and keeps a copy of its 128 MiB WebAssembly
 * heap: ~500 MiB resident for a few seconds, which V8 gives back only at some later full GC. In a child that exits,
 * it is given back at once, and this process, which runs for days, never holds it (docs/performance.md, "Memory").
 * The child runs with this process's flags and environment; then this process opens the folder as on any start.
 */
async function createEmbeddedCluster(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const child = fork(join(__dirname, 'embedded-init.js'), [], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`creating the embedded database in ${dir} failed (exit code ${code})`);
}

main().catch((error: unknown) => {
  console.error(startupErrorMessage(error));
  process.exit(1);
});

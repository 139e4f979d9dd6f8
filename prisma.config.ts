// Configuration of the Prisma CLI (generate, migrate diff, migrate dev).
// Prisma 6.19 runs offline only with its JavaScript engine and a driver
// adapter; DATABASE_URL must still be a postgresql:// URL, so the embedded
// database is named by the marker host `pglite` (e.g. postgresql://pglite/local).
import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// The CLI reports each run to checkpoint.prisma.io (a version check with a project hash) unless told not to:
// a security starter kit does not phone home from install or build steps.
process.env.CHECKPOINT_DISABLE ??= '1';

const url = process.env.DATABASE_URL ?? 'postgresql://pglite/local';
process.env.DATABASE_URL = url;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    if (new URL(url).hostname === 'pglite') {
      // A throwaway database: the CLI is for authoring migrations; the app's
      // own migrator applies them (libs/database/src/migrator.ts).
      const { PGlite } = await import('@electric-sql/pglite');
      const { PrismaPGlite } = await import('pglite-prisma-adapter');
      return withScripts(new PrismaPGlite(new PGlite())) as never;
    }
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const { CatalogTypesClient } = await import('./prisma/catalog-types-client.js');
    return new PrismaPg({ connectionString: url, Client: CatalogTypesClient } as never) as never;
  },
});

interface PatchableAdapter {
  client: { exec(sql: string): Promise<unknown> };
  executeScript(script: string): Promise<void>;
  executeRaw(query: { sql: string; args: unknown[] }): Promise<number>;
}

// pglite-prisma-adapter 0.6.1 runs a migration script as one prepared
// statement (which PostgreSQL refuses for several commands) and does not
// await its executeScript, so `migrate diff --from-migrations` fails on the
// shadow database. Parameterless statements go through PGlite's exec instead.
function withScripts<F extends { connect(): Promise<unknown>; connectToShadowDb(): Promise<unknown> }>(factory: F): F {
  const patch = async (pending: Promise<unknown>) => {
    const adapter = (await pending) as PatchableAdapter;
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeScript = async (script) => {
      await adapter.client.exec(script);
    };
    adapter.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      await adapter.client.exec(query.sql);
      return 0;
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const shadow = factory.connectToShadowDb.bind(factory);
  factory.connect = () => patch(connect());
  factory.connectToShadowDb = () => patch(shadow());
  return factory;
}

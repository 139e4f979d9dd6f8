// Configuration of the Prisma CLI (generate, migrate diff, migrate dev).
// Prisma 6.19 runs offline only with its JavaScript engine and a driver
// adapter; DATABASE_URL must still be a postgresql:// URL, so the embedded
// database is named by the marker host `pglite` (e.g. postgresql://pglite/local).
import 'dotenv/config';
import { defineConfig } from 'prisma/config';

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
      return new PrismaPGlite(new PGlite()) as never;
    }
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const { CatalogTypesClient } = await import('./prisma/catalog-types-client');
    return new PrismaPg({ connectionString: url, Client: CatalogTypesClient } as never) as never;
  },
});

// Configuration of the Prisma CLI, which Bastion uses for `prisma generate` only.
// Migrations are applied by the app's own migrator (libs/database/src/migrator.ts).
import 'dotenv/config';
import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The CLI reports each run to checkpoint.prisma.io (a version check with a project hash) unless told not to:
// a security starter kit does not phone home from install or build steps.
process.env.CHECKPOINT_DISABLE ??= '1';

// Prisma 7's CLI downloads its Rust schema-engine binary (from binaries.prisma.sh) before `generate` and every
// migrate/db command, although generate only uses the WebAssembly schema parser it ships. Nothing in Bastion may
// download a binary, so the CLI is pointed at a stand-in that exits with an explanation: generate works offline,
// and a migrate command fails clearly instead of reaching for the network. Set PRISMA_SCHEMA_ENGINE_BINARY to a
// real schema-engine to use `prisma migrate` yourself.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'libs/database/src/no-schema-engine.cjs');

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});

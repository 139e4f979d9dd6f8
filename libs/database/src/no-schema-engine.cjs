#!/usr/bin/env node
// Stands in for Prisma's schema-engine binary (see the demo's prisma.config.ts and this lib's README, step 6). Prisma 7's
// CLI downloads that binary before `generate` even though generate never runs
// it; only migrate/db commands do. Those fail here with this message instead of
// a download attempt.
process.stderr.write(
  'Prisma schema engine: not installed (Bastion downloads no binaries). `prisma migrate` and `prisma db` ' +
    'commands are unavailable; migrations are applied by applyMigrations (libs/database/src/migrator.ts).\n',
);
process.exit(1);

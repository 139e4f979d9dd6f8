import { applyMigrations } from '@bastion/database';
import { MIGRATIONS_DIR, openConfiguredDatabase, runScript } from './database';

// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
runScript(async () => {
  const db = await openConfiguredDatabase();
  try {
    const report = await applyMigrations(db, MIGRATIONS_DIR);
    console.log(
      report.applied.length
        ? `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}`
        : `No pending migrations (${report.alreadyApplied} applied).`,
    );
  } finally {
    await db.close();
  }
});

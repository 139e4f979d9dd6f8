import { openConfiguredDatabase, runScript } from './database';

// Run by the launcher (scripts/launch.ts) in a child process of its own on an embedded data folder that holds no
// database yet: opening it creates the cluster (PGlite's initdb), and closing it leaves the folder ready.
runScript(async () => {
  const db = await openConfiguredDatabase();
  await db.close();
});

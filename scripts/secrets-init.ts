import { join } from 'node:path';
import { runScript } from './database';
import { initSecrets } from './secrets';

// `npm run secrets:init`: the secrets folder docker-compose.yml mounts, made
// once. Prints file names, never a secret; a second run changes nothing.
runScript(async () => {
  const dir = join(process.cwd(), 'secrets');
  const { created, kept } = await initSecrets(dir);
  for (const name of created) console.log(`created secrets/${name}`);
  for (const name of kept) console.log(`kept    secrets/${name} (exists)`);
  if (created.length === 0) console.log('Nothing to do: every secret already exists.');
});

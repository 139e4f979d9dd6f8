import { parseArgs } from 'node:util';
import { PrismaClient } from '@bastion/database';
import { createOAuthClient, listOAuthClients, OAuthClientError, revokeOAuthClient } from '../apps/auth-server/src/oauth-clients/oauth-clients';
import { openConfiguredDatabase, runScript } from './database';

const USAGE = `Usage:
  npm run oauth:client -- create --id <id> --name <name> --tenant <slug> --type confidential|public
                                 --grant <grant> [--grant ...] [--redirect-uri <uri> ...]
                                 [--post-logout-redirect-uri <uri> ...] --scope "<scopes>"
  npm run oauth:client -- list
  npm run oauth:client -- revoke <id>`;

// `npm run oauth:client`: manages the auth server's clients. A new
// confidential client's secret is printed once; only its SHA-256 is stored.
// On the embedded database, run it while the apps are stopped (one process per folder).
runScript(async () => {
  const [command, ...rest] = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      tenant: { type: 'string' },
      type: { type: 'string' },
      grant: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
    },
  });
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const db = await openConfiguredDatabase();
  const prisma = new PrismaClient({ adapter: db.adapter as never });
  try {
    if (command === 'list') {
      for (const c of await listOAuthClients(prisma)) {
        console.log(`${c.id}  ${c.type}  tenant=${c.tenant}  grants=${c.grants.join(',')}  scope="${c.scopes}"${c.revokedAt ? `  REVOKED ${c.revokedAt.toISOString()}` : ''}`);
      }
    } else if (command === 'revoke') {
      const id = positionals[0] ?? values.id;
      if (!id) throw new OAuthClientError('name the client: npm run oauth:client -- revoke <id>');
      console.log((await revokeOAuthClient(prisma, id)) ? `Revoked ${id}.` : `No active client ${id}.`);
    } else {
      const created = await createOAuthClient(prisma, {
        id: values.id ?? '',
        name: values.name ?? '',
        tenant: values.tenant ?? '',
        type: values.type as 'confidential' | 'public',
        grants: values.grant ?? [],
        redirectUris: values['redirect-uri'] ?? [],
        postLogoutRedirectUris: values['post-logout-redirect-uri'],
        scopes: (values.scope ?? '').split(' ').filter(Boolean),
      });
      console.log(`Created client ${created.id}.`);
      if (created.secret) console.log(`Client secret (shown once, store it now): ${created.secret}`);
    }
  } catch (error) {
    if (!(error instanceof OAuthClientError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await prisma.$disconnect();
    await db.close();
  }
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_ENV_FILE, COMPOSE_SECRETS_MOUNT, SECRET_FILES } from '../scripts/secrets';

// Docker does not run on the project's machines; this keeps the file valid
// and its wiring right for the users who have it.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { healthcheck?: { test: unknown }; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; ports?: string[]; env_file?: string[]; volumes?: string[] }>;
  };

  it('runs postgres, redis, mailpit, api and auth-server, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'auth-server', 'mailpit', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
    }
  });

  it('points both apps at the compose PostgreSQL and Redis, and waits for them to be healthy', () => {
    for (const app of ['api', 'auth-server']) {
      const env = compose.services[app]?.environment ?? {};
      expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    }
    expect(compose.services.api?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('stops both apps with SIGTERM, an init that passes it on, and a grace period longer than the app\'s own', () => {
    const raw = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { init?: boolean; stop_signal?: string; stop_grace_period?: string; command?: string[]; environment?: Record<string, string> }> };
    for (const app of ['api', 'auth-server']) {
      const service = raw.services[app];
      expect([app, service?.init, service?.stop_signal]).toEqual([app, true, 'SIGTERM']);
      const env = service?.environment ?? {};
      const appBoundMs = Number(env.SHUTDOWN_DRAIN_DELAY_MS) + Number(env.SHUTDOWN_GRACE_MS);
      expect(Number(/^(\d+)s$/.exec(service?.stop_grace_period ?? '')?.[1]) * 1000).toBeGreaterThan(appBoundMs);
      // The shell hands over to node (exec), or node is the command itself.
      const command = (service?.command ?? []).join(' ');
      expect(command.startsWith('node ') || / exec node /.test(command)).toBe(true);
    }
    expect(readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8')).toMatch(/^CMD \["node", /m);
  });

  it('sends the API\'s mail to the Mailpit service, whose web UI is published on loopback', () => {
    expect(compose.services.api?.environment?.SMTP_URL).toBe('smtp://mailpit:1025');
    expect(compose.services.api?.environment?.MAIL_FROM).toMatch(/<[^@\s]+@[^@\s]+>$/);
    expect(compose.services.mailpit?.ports).toEqual(['127.0.0.1:8025:8025']);
  });

  it('publishes ports on loopback only', () => {
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });

  // Which variables each app needs in production is proven in scripts/secrets-init.spec.ts, which runs
  // both apps' config validation on this file's environment plus what `npm run secrets:init` makes.
  it('gives both apps the secrets of npm run secrets:init: the env file, and the key files mounted read-only', () => {
    for (const app of ['api', 'auth-server']) {
      const service = compose.services[app];
      expect([app, service?.env_file]).toEqual([app, [`secrets/${COMPOSE_ENV_FILE}`]]);
      expect([app, service?.volumes]).toEqual([app, [`./secrets:${COMPOSE_SECRETS_MOUNT}:ro`]]);
    }
    const fileVariables = Object.fromEntries(
      ['api', 'auth-server'].flatMap((app) => Object.entries(compose.services[app]?.environment ?? {}).filter(([name]) => name.endsWith('_FILE'))),
    );
    expect(fileVariables).toEqual(Object.fromEntries(Object.entries(SECRET_FILES).map(([name, file]) => [name, `${COMPOSE_SECRETS_MOUNT}/${file}`])));
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// Docker does not run on the project's machines; this keeps the file valid
// and its wiring right for the users who have it.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { healthcheck?: { test: unknown }; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; ports?: string[] }>;
  };

  it('runs postgres, redis, api and auth-server, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'auth-server', 'postgres', 'redis']);
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

  it('publishes ports on loopback only', () => {
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });
});

import { z } from 'zod';
import { ConfigError } from './config.error.js';
import { databaseEnv, httpEnv } from './common.env.js';
import { flag, port } from './fields.js';
import { parseEnv } from './parse-env.js';

describe('parseEnv', () => {
  const schema = z.object({ PORT: port(3000), DEBUG: flag(false) });

  it('fills defaults for unset and blank variables', () => {
    expect(parseEnv(schema, { PORT: '  ' })).toEqual({ PORT: 3000, DEBUG: false });
  });

  it('converts valid values', () => {
    expect(parseEnv(schema, { PORT: '8080', DEBUG: 'true' })).toEqual({ PORT: 8080, DEBUG: true });
  });

  it('names every bad variable and never its value', () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: '0', DEBUG: 's3cr3t' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('ERR_CONFIG_INVALID');
    expect(configError.problems.map((p) => p.variable)).toEqual(['PORT', 'DEBUG']);
    expect(configError.message).not.toMatch(/s3cr3t/);
  });

  it('accepts postgres URLs and refuses others', () => {
    expect(parseEnv(databaseEnv, { DATABASE_URL: 'postgres://u@h/db' }).DATABASE_URL).toBe('postgres://u@h/db');
    expect(() => parseEnv(databaseEnv, { DATABASE_URL: 'mysql://u@h/db' })).toThrow(/DATABASE_URL/);
    expect(() => parseEnv(databaseEnv, { DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
  });

  it('bounds the database and shutdown waits in whole milliseconds, with defaults of a few seconds', () => {
    expect(parseEnv(databaseEnv, {})).toMatchObject({ DATABASE_STATEMENT_TIMEOUT_MS: 3000, DATABASE_POOL_TIMEOUT_MS: 3000 });
    expect(parseEnv(databaseEnv, { DATABASE_STATEMENT_TIMEOUT_MS: '0' }).DATABASE_STATEMENT_TIMEOUT_MS).toBe(0);
    expect(() => parseEnv(databaseEnv, { DATABASE_STATEMENT_TIMEOUT_MS: '5s' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS: must be a whole number of milliseconds/);
    expect(() => parseEnv(databaseEnv, { DATABASE_POOL_TIMEOUT_MS: '3600001' })).toThrow(/DATABASE_POOL_TIMEOUT_MS/);
    expect(parseEnv(httpEnv, {})).toMatchObject({ SHUTDOWN_DRAIN_DELAY_MS: 2000, SHUTDOWN_GRACE_MS: 10_000 });
    expect(() => parseEnv(httpEnv, { SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('allowlists the HTTP adapter', () => {
    expect(parseEnv(httpEnv, {}).HTTP_ADAPTER).toBe('fastify');
    expect(() => parseEnv(httpEnv, { HTTP_ADAPTER: 'koa' })).toThrow(/HTTP_ADAPTER: must be one of: fastify, express/);
  });
});

import { DatabaseError } from './errors.js';
import { resolveDatabaseOptions } from './database.options.js';

describe('resolveDatabaseOptions', () => {
  it('defaults to the embedded database in .data/pglite', () => {
    expect(resolveDatabaseOptions({})).toEqual({ kind: 'embedded', embeddedDir: '.data/pglite', poolSize: 10, statementTimeoutMs: 3000, poolTimeoutMs: 3000 });
  });

  it('uses PostgreSQL when a postgresql:// URL is given', () => {
    expect(resolveDatabaseOptions({ url: 'postgresql://u@h/db', poolSize: 3 })).toMatchObject({ kind: 'postgres', poolSize: 3 });
  });

  it.each([
    [{ url: 'mysql://h/db' }, /"url" must be a postgresql:\/\/ URL/],
    [{ url: '::' }, /"url" is not a valid URL/],
    [{ poolSize: 0 }, /"poolSize"/],
    [{ embeddedDir: ' ' }, /"embeddedDir"/],
    [{ statementTimeoutMs: -1 }, /"statementTimeoutMs"/],
    [{ poolTimeoutMs: 1.5 }, /"poolTimeoutMs"/],
  ])('refuses %p, naming the option', (options, message) => {
    expect(() => resolveDatabaseOptions(options)).toThrow(DatabaseError);
    expect(() => resolveDatabaseOptions(options)).toThrow(message);
  });
});

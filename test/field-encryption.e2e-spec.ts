import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type { DatabaseConnection } from '@bastion/database';
import { readKeyFile } from '@bastion/field-encryption';
import { rotateFieldKeys } from '../apps/api/src/encryption/rotate-keys';
import { openConfiguredDatabase } from '../scripts/database';
import { baseEnv, startApi, useApi, withEnv, type Env } from './support/harness';
import { call, DEMO_PASSWORD, login } from './support/http';
import { freePort, runNode } from './support/processes';

// The seeded documents (prisma/seed.ts) and who may read them all.
const ACME_DOCS = [1, 2, 3, 4, 5, 6].map((n) => `0b6c3c8e-0000-4000-8000-00000000000${n}`);
const GLOBEX_DOCS = [7, 8, 9].map((n) => `0b6c3c8e-0000-4000-8000-00000000000${n}`);

// Acceptance of issue 9, on the embedded database by default and on PostgreSQL under `npm run test:services`.
describe('field encryption at rest (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_API: '100000/1m' };
  const api = useApi(env);
  let db: DatabaseConnection;
  let admin: string;
  let alice: string;
  let mallory: string;
  let bobId: string;
  const secretBody = `Launch codes ${randomUUID()} stay between us`;
  let secretDocId: string;
  // A fictional number, typed with spaces and dashes; stored in its normalised form.
  const digits = String(randomInt(1_000_000, 9_999_999));
  const typedPhone = `+44 20 ${digits.slice(0, 3)}-${digits.slice(3)}`;
  const storedPhone = `+4420${digits}`;

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => db.session((s) => s.query<T>(text, params));

  // Every row of every table, as text: what an attacker with a copy of the database files or a backup sees.
  async function everyRowAsText(): Promise<string> {
    const tables = await sql<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const parts: string[] = [];
    for (const { name } of tables) {
      for (const row of await sql<{ line: string }>(`SELECT t::text AS line FROM "${name.replace(/"/g, '')}" t`)) parts.push(row.line);
    }
    return parts.join('\n');
  }

  // pg_dump on PostgreSQL (the real backup tool); on PGlite, the same question asked of every row.
  async function databaseDump(): Promise<string> {
    const rows = await everyRowAsText();
    if (!process.env.DATABASE_URL) return rows;
    return `${rows}\n${execFileSync('pg_dump', ['--no-owner', process.env.DATABASE_URL], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })}`;
  }

  async function integrityFailures(): Promise<number> {
    const res = await fetch(`${api.url}/metrics`);
    const line = (await res.text()).split('\n').find((l) => l.startsWith('field_integrity_failures_total{code="ERR_FIELD_INTEGRITY"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function readAllDocuments(): Promise<Map<string, string>> {
    const bodies = new Map<string, string>();
    for (const [token, ids] of [[admin, [...ACME_DOCS, secretDocId]], [mallory, GLOBEX_DOCS]] as const) {
      for (const id of ids) {
        const res = await call(api.url, 'GET', `/v1/documents/${id}`, { token });
        expect([id, res.status]).toEqual([id, 200]);
        bodies.set(id, res.body.body);
      }
    }
    return bodies;
  }

  beforeAll(async () => {
    db = await withEnv(env, () => openConfiguredDatabase());
    admin = (await login(api.url, 'admin@example.com')).accessToken;
    alice = (await login(api.url, 'alice@example.com')).accessToken;
    mallory = (await login(api.url, 'mallory@example.com')).accessToken;
    const users = await call(api.url, 'GET', '/v1/users', { token: admin });
    bobId = users.body.find((u: { email: string }) => u.email === 'bob@example.com').id;
  });

  afterAll(async () => {
    await db?.close();
  });

  it('the plaintext of an encrypted field appears nowhere in the database (pg_dump), and the API returns it', async () => {
    const created = await call(api.url, 'POST', '/v1/documents', { token: alice, body: { title: 'Secret plans', body: secretBody } });
    expect(created.status).toBe(201);
    expect(created.body.body).toBe(secretBody);
    secretDocId = created.body.id;
    const patched = await call(api.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { phone: typedPhone } });
    expect(patched.status).toBe(200);
    expect(patched.body.phone).toBe(storedPhone);
    expect(patched.body).not.toHaveProperty('phoneIndex');

    // The API answers with the plaintext.
    expect((await call(api.url, 'GET', `/v1/documents/${secretDocId}`, { token: alice })).body.body).toBe(secretBody);
    const seeded = await call(api.url, 'GET', `/v1/documents/${ACME_DOCS[0]}`, { token: alice });
    expect(seeded.body.body).toMatch(/Seeded demo content/);
    const listed = await call(api.url, 'GET', '/v1/documents?pageSize=100', { token: alice });
    expect(listed.body.items.find((d: { id: string }) => d.id === secretDocId).body).toBe(secretBody);
    const bob = (await call(api.url, 'GET', '/v1/users', { token: admin })).body.find((u: { id: string }) => u.id === bobId);
    expect(bob.phone).toBe(storedPhone);

    // The database holds ciphertext only: format v1, the key id, and nothing readable.
    const [row] = await sql<{ body: string }>('SELECT body FROM documents WHERE id = $1', [secretDocId]);
    expect(row!.body).toMatch(/^v1\.[A-Za-z0-9-]+\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    const dump = await databaseDump();
    expect(dump).toContain(row!.body);
    for (const plaintext of [secretBody, 'Launch codes', 'Seeded demo content', storedPhone, typedPhone, digits, '+15550100']) {
      expect([plaintext, dump.includes(plaintext)]).toEqual([plaintext, false]);
    }
    if (process.env.DATABASE_URL) expect(dump).toMatch(/COPY public\.documents/); // the real pg_dump ran
  });

  it('secrets that are only checked stay hashed, not encrypted: passwords, refresh tokens, API keys', async () => {
    const session = await login(api.url, 'bob@example.com');
    const key = await call(api.url, 'POST', '/v1/api-keys', { token: alice, body: { name: 'dump-check', scopes: ['documents:read'] } });
    expect(key.status).toBe(201);
    const dump = await databaseDump();
    for (const secret of [DEMO_PASSWORD, session.refreshToken, key.body.key as string]) expect(dump.includes(secret)).toBe(false);
    const hashes = await sql<{ h: string }>('SELECT password_hash AS h FROM users');
    // Accounts made by a SAML sign-in have no password at all: the marker `!federated`, which no hash matches. On a
    // shared PostgreSQL database the SAML test file's users are in this table too.
    expect(hashes.some((r) => r.h.startsWith('$argon2id$'))).toBe(true);
    expect(hashes.filter((r) => !r.h.startsWith('$argon2id$')).map((r) => r.h)).toEqual(hashes.filter((r) => r.h === '!federated').map((r) => r.h));
    const digests = await sql<{ d: string }>(`SELECT token_hash AS d FROM refresh_tokens UNION ALL SELECT digest AS d FROM api_keys`);
    expect(digests.length).toBeGreaterThan(1);
    expect(digests.every((r) => /^[0-9a-f]{64}$/.test(r.d))).toBe(true);
  });

  it('admins find a user by phone number through the blind index, which never leaves the server', async () => {
    const [stored] = await sql<{ phone: string; phone_index: string }>('SELECT phone, phone_index FROM users WHERE id = $1', [bobId]);
    // A keyed HMAC, not a plain hash anyone could recompute from a guessed number.
    expect(stored!.phone_index).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.phone_index).not.toBe(createHash('sha256').update(storedPhone).digest('hex'));
    expect(stored!.phone).not.toContain(digits);

    // However it is typed, the same number finds the same user.
    for (const q of [storedPhone, typedPhone, `+44 (20) ${digits}`]) {
      const found = await call(api.url, 'GET', `/v1/users?phone=${encodeURIComponent(q)}`, { token: admin });
      expect(found.status).toBe(200);
      expect(found.body.map((u: { id: string }) => u.id)).toEqual([bobId]);
      expect(found.body[0].phone).toBe(storedPhone);
      expect(found.body[0]).not.toHaveProperty('phoneIndex');
      expect(JSON.stringify(found.body)).not.toContain(stored!.phone_index);
    }
    const none = await call(api.url, 'GET', `/v1/users?phone=${encodeURIComponent('+1 555 000 0000')}`, { token: admin });
    expect([none.status, none.body]).toEqual([200, []]);
    // The list never carries the index either.
    const all = await call(api.url, 'GET', '/v1/users', { token: admin });
    expect(JSON.stringify(all.body)).not.toMatch(/phoneIndex|[0-9a-f]{64}/);

    // Only admins (the right to manage users) may search by phone; colleagues never see the number.
    const refused = await call(api.url, 'GET', `/v1/users?phone=${encodeURIComponent(storedPhone)}`, { token: alice });
    expect([refused.status, refused.body.code]).toEqual([403, 'ERR_AUTHZ_DENIED']);
    const colleagues = await call(api.url, 'GET', '/v1/users', { token: alice });
    expect(JSON.stringify(colleagues.body)).not.toContain(storedPhone);
    const bad = await call(api.url, 'GET', '/v1/users?phone=abc', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('a ciphertext moved onto another row or column is refused: logged, counted, a 500 problem with no plaintext', async () => {
    const victim = ACME_DOCS[1] as string;
    const [original] = await sql<{ body: string }>('SELECT body FROM documents WHERE id = $1', [victim]);
    const [moved] = await sql<{ body: string }>('SELECT body FROM documents WHERE id = $1', [secretDocId]);
    const before = await integrityFailures();
    const errors = jest.spyOn(Logger.prototype, 'error');
    try {
      // Another row: the secret document's ciphertext pasted over a document the attacker can read.
      await sql('UPDATE documents SET body = $1 WHERE id = $2', [moved!.body, victim]);
      const res = await call(api.url, 'GET', `/v1/documents/${victim}`, { token: admin });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('ERR_DATA_INTEGRITY');
      const text = JSON.stringify(res.body);
      for (const leak of [secretBody, 'Launch codes', moved!.body, 'aes', 'Prisma', 'ERR_FIELD']) expect([leak, text.includes(leak)]).toEqual([leak, false]);
      expect(await integrityFailures()).toBe(before + 1);
      const logged = errors.mock.calls.map((c) => String(c[0])).find((m) => m.includes('ERR_FIELD_INTEGRITY'));
      expect(logged).toContain(res.body.requestId);
      expect(logged).toContain(`Document.body of ${victim}`);
      expect(logged).not.toContain(secretBody);

      // Another column: a document body's ciphertext pasted into a user's phone.
      await sql('UPDATE users SET phone = $1 WHERE id = $2', [moved!.body, bobId]);
      const users = await call(api.url, 'GET', '/v1/users', { token: admin });
      expect([users.status, users.body.code]).toEqual([500, 'ERR_DATA_INTEGRITY']);
      expect(JSON.stringify(users.body)).not.toContain(secretBody);
      expect(await integrityFailures()).toBe(before + 2);
    } finally {
      errors.mockRestore();
      await sql('UPDATE documents SET body = $1 WHERE id = $2', [original!.body, victim]);
      const [phone] = await sql<{ phone: string }>('SELECT phone FROM users WHERE id = $1', [bobId]);
      if (phone!.phone === moved!.body) await call(api.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { phone: typedPhone } });
    }
    // Put back by an admin through the API (the row id binds the new ciphertext), everything reads again.
    await sql('UPDATE users SET phone = NULL WHERE id = $1', [bobId]);
    expect((await call(api.url, 'PATCH', `/v1/users/${bobId}`, { token: admin, body: { phone: typedPhone } })).status).toBe(200);
    expect((await call(api.url, 'GET', `/v1/documents/${victim}`, { token: admin })).status).toBe(200);
  });

  it('rotation re-encrypts every row in batches, resumes after an interruption, keeps reads working, and retires the old key', async () => {
    const file = env.ENCRYPTION_KEYS_FILE as string;
    const oldKid = (await readKeyFile(file)).active;
    const bodies = await readAllDocuments();
    const encryptedValues = async () =>
      [
        ...(await sql<{ v: string }>('SELECT body AS v FROM documents')),
        ...(await sql<{ v: string }>('SELECT phone AS v FROM users WHERE phone IS NOT NULL')),
      ].map((r) => r.v);
    const total = (await encryptedValues()).length;

    // A run that stops after its first batch (a crash, a deploy).
    let batches = 0;
    const interrupted = withEnv(env, () =>
      rotateFieldKeys(db, { batchSize: 2, settleMs: 1500, onBatch: () => {
        batches += 1;
        if (batches === 1) throw new Error('interrupted');
      } }),
    );
    await expect(interrupted).rejects.toThrow('interrupted');
    const halfway = await readKeyFile(file);
    const newKid = halfway.active;
    expect(newKid).not.toBe(oldKid);
    expect(halfway.rotating).toBe(newKid);
    expect(halfway.keys.map((k) => k.kid).sort()).toEqual([newKid, oldKid].sort());
    const mixed = await encryptedValues();
    expect(mixed.filter((v) => v.startsWith(`v1.${newKid}.`))).toHaveLength(2);
    // Reads keep working with rows under both keys; the API picks the new key up from the file by itself.
    expect(await readAllDocuments()).toEqual(bodies);

    // Run again: it resumes towards the same key instead of making another one, and finishes.
    const resumed = await withEnv(env, () => rotateFieldKeys(db, { batchSize: 2, settleMs: 0 }));
    expect(resumed).toMatchObject({ resumed: true, createdKid: undefined, activeKid: newKid, retired: [oldKid], stillInUse: [] });
    expect(resumed.report.failed).toEqual([]);
    expect(resumed.report.reencrypted).toBe(total - 2);
    const after = await encryptedValues();
    expect(after.every((v) => v.startsWith(`v1.${newKid}.`))).toBe(true);
    const done = await readKeyFile(file);
    expect(done.keys.map((k) => k.kid)).toEqual([newKid]);
    expect(done.rotating).toBeUndefined();
    expect(done.retired?.map((r) => r.kid)).toContain(oldKid);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // The demo still reads every document, and the phone lookup (the blind-index key did not change) still works.
    expect(await readAllDocuments()).toEqual(bodies);
    const found = await call(api.url, 'GET', `/v1/users?phone=${encodeURIComponent(storedPhone)}`, { token: admin });
    expect(found.body.map((u: { id: string }) => u.id)).toEqual([bobId]);
  });

  it('a wrong or missing key stops start-up with a clear message', async () => {
    const file = await readKeyFile(env.ENCRYPTION_KEYS_FILE as string);
    const random = () => randomBytes(32).toString('base64');
    const withKeys = (keys: string): Env => ({ ...env, ENCRYPTION_KEYS_FILE: undefined, ENCRYPTION_KEYS: keys, BLIND_INDEX_KEY: random() });
    // The right key id with the wrong key.
    await expect(startApi(withKeys(`${file.active}:${random()}`))).rejects.toThrow(
      new RegExp(`ENCRYPTION_KEYS cannot decrypt the stored data: Document\\.body: key ${file.active} decrypts none of the rows`),
    );
    // A ring without the key the rows name.
    await expect(startApi(withKeys(`other:${random()}`))).rejects.toThrow(new RegExp(`Document\\.body has rows encrypted with key ${file.active}, which is not in the key ring`));
    // The right key from configuration instead of the file: starts.
    const right = await startApi({ ...env, ENCRYPTION_KEYS_FILE: undefined, ENCRYPTION_KEYS: `${file.active}:${file.keys[0]!.key}`, BLIND_INDEX_KEY: file.blindIndexKey });
    await right.close();

    // Production: no keys, a placeholder key, or a key file that is not there.
    const production = { NODE_ENV: 'production', EMBEDDED_DB_DIR: 'memory://', JWT_KEYS_FILE: env.JWT_KEYS_FILE, PORT: String(await freePort()) };
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /ENCRYPTION_KEYS: is required in production/],
      [{ ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`, BLIND_INDEX_KEY: random() }, /ENCRYPTION_KEYS: key k1 looks like a placeholder/],
      [{ ENCRYPTION_KEYS: `k1:${random()}` }, /BLIND_INDEX_KEY: is required with ENCRYPTION_KEYS/],
      [{ ENCRYPTION_KEYS_FILE: '/nonexistent/encryption-keys.json' }, /ENCRYPTION_KEYS_FILE: key ring \/nonexistent\/encryption-keys\.json does not exist/],
    ];
    for (const [extra, message] of cases) {
      const child = runNode('dist/apps/api/src/main.js', { ...production, ...extra });
      expect(await child.exited).toBe(1);
      expect(child.output()).toMatch(message);
      expect(child.output()).not.toMatch(/\n\s+at /);
    }
  });
});

import { DEMO_POLICY } from '../apps/api/src/authz/demo-policy';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, login } from './support/http';

type Role = 'admin' | 'editor' | 'viewer';
interface Actor {
  email: string;
  role: Role;
  tenant: string;
  department: string;
  token: string;
  id: string;
}
interface Doc {
  id: string;
  tenant: string;
  owner: string;
  classification: 'public' | 'internal' | 'confidential';
  department: string;
}

// The seeded documents (prisma/seed.ts).
const DOCS: Doc[] = [
  { id: '0b6c3c8e-0000-4000-8000-000000000001', tenant: 'acme', owner: 'alice@example.com', classification: 'public', department: 'engineering' },
  { id: '0b6c3c8e-0000-4000-8000-000000000002', tenant: 'acme', owner: 'alice@example.com', classification: 'internal', department: 'engineering' },
  { id: '0b6c3c8e-0000-4000-8000-000000000003', tenant: 'acme', owner: 'alice@example.com', classification: 'confidential', department: 'engineering' },
  { id: '0b6c3c8e-0000-4000-8000-000000000004', tenant: 'acme', owner: 'bob@example.com', classification: 'public', department: 'sales' },
  { id: '0b6c3c8e-0000-4000-8000-000000000005', tenant: 'acme', owner: 'bob@example.com', classification: 'internal', department: 'sales' },
  { id: '0b6c3c8e-0000-4000-8000-000000000006', tenant: 'acme', owner: 'admin@example.com', classification: 'confidential', department: 'sales' },
  { id: '0b6c3c8e-0000-4000-8000-000000000007', tenant: 'globex', owner: 'mallory@example.com', classification: 'public', department: 'engineering' },
  { id: '0b6c3c8e-0000-4000-8000-000000000008', tenant: 'globex', owner: 'mallory@example.com', classification: 'internal', department: 'engineering' },
  { id: '0b6c3c8e-0000-4000-8000-000000000009', tenant: 'globex', owner: 'mallory@example.com', classification: 'confidential', department: 'engineering' },
];

// The demo policy restated as plain code: the oracle every cell is held to.
function mayRead(a: Actor, d: Doc): boolean {
  if (a.role === 'admin') return true;
  if (d.classification !== 'confidential') return true;
  return a.role === 'editor' && d.department === a.department;
}
function mayChange(a: Actor, d: Doc): boolean {
  return a.role === 'admin' || (a.role === 'editor' && d.owner === a.email);
}
function expected(a: Actor, d: Doc, action: 'read' | 'update' | 'delete'): number {
  if (d.tenant !== a.tenant) return 404;
  const ok = action === 'read' ? mayRead(a, d) : mayChange(a, d);
  return ok ? (action === 'delete' ? 204 : 200) : 403;
}

// Roles × tenants × classifications × actions, every cell asserted, on the real stack.
describe('authorization (e2e)', () => {
  const env: Env = { ...baseEnv(), RATE_LIMIT_LOGIN: '1000/15m', RATE_LIMIT_LOGIN_ADDRESS: '1000/15m', RATE_LIMIT_API: '100000/1m' };
  const api = useApi(env);
  const actors: Actor[] = [];

  beforeAll(async () => {
    const seeded: Omit<Actor, 'token' | 'id'>[] = [
      { email: 'admin@example.com', role: 'admin', tenant: 'acme', department: 'security' },
      { email: 'alice@example.com', role: 'editor', tenant: 'acme', department: 'engineering' },
      { email: 'bob@example.com', role: 'viewer', tenant: 'acme', department: 'sales' },
      { email: 'mallory@example.com', role: 'editor', tenant: 'globex', department: 'engineering' },
    ];
    for (const s of seeded) {
      const token = (await login(api.url, s.email)).accessToken;
      const me = await call(api.url, 'GET', '/v2/users/me', { token });
      actors.push({ ...s, token, id: me.body.id });
    }
  });

  const explain = (a: Actor, action: string, id: string) =>
    call(api.url, 'GET', `/v1/authz/explain?action=${action}&subject=Document&id=${id}`, { token: a.token });

  it('read: every actor × document answers as the policy says, and explain agrees', async () => {
    for (const a of actors) {
      for (const d of DOCS) {
        const want = expected(a, d, 'read');
        const res = await call(api.url, 'GET', `/v1/documents/${d.id}`, { token: a.token });
        expect([a.email, d.id, res.status]).toEqual([a.email, d.id, want]);
        if (want === 200) expect(res.body.id).toBe(d.id);
        if (want === 403) expect(res.body.code).toBe('ERR_AUTHZ_DENIED');
        const why = await explain(a, 'read', d.id);
        if (want === 404) expect(why.status).toBe(404);
        else expect([a.email, d.id, why.body.allowed]).toEqual([a.email, d.id, want === 200]);
      }
    }
  });

  it('list: each actor sees exactly the documents a read would allow, never another tenant', async () => {
    for (const a of actors) {
      const res = await call(api.url, 'GET', '/v1/documents?pageSize=100', { token: a.token });
      expect(res.status).toBe(200);
      const listed = (res.body.items as { id: string }[]).map((d) => d.id).filter((id) => DOCS.some((d) => d.id === id)).sort();
      const want = DOCS.filter((d) => expected(a, d, 'read') === 200).map((d) => d.id).sort();
      expect([a.email, listed]).toEqual([a.email, want]);
    }
  });

  it('update: every actor × document, and explain agrees', async () => {
    for (const a of actors) {
      for (const d of DOCS) {
        const want = expected(a, d, 'update');
        const res = await call(api.url, 'PATCH', `/v1/documents/${d.id}`, { token: a.token, body: { status: 'published' } });
        expect([a.email, d.id, res.status]).toEqual([a.email, d.id, want]);
        const why = await explain(a, 'update', d.id);
        if (want !== 404) expect([a.email, d.id, why.body.allowed]).toEqual([a.email, d.id, want === 200]);
      }
    }
  });

  it('create: editors and admins in their own tenant, viewers never', async () => {
    for (const a of actors) {
      const res = await call(api.url, 'POST', '/v1/documents', { token: a.token, body: { title: `by ${a.email}`, body: 'x', classification: 'internal' } });
      expect([a.email, res.status]).toEqual([a.email, a.role === 'viewer' ? 403 : 201]);
      if (res.status === 201) {
        expect(res.body).toMatchObject({ ownerId: a.id, department: a.department });
        const why = await call(api.url, 'GET', '/v1/authz/explain?action=create&subject=Document', { token: a.token });
        expect(why.body.allowed).toBe(true);
      }
    }
  });

  it('delete: refused cells first, then the allowed one deletes', async () => {
    for (const d of DOCS) {
      const allowed = actors.filter((a) => expected(a, d, 'delete') === 204);
      for (const a of actors.filter((x) => !allowed.includes(x))) {
        const res = await call(api.url, 'DELETE', `/v1/documents/${d.id}`, { token: a.token });
        expect([a.email, d.id, res.status]).toEqual([a.email, d.id, expected(a, d, 'delete')]);
      }
      for (const a of allowed) {
        const why = await explain(a, 'delete', d.id);
        expect(why.body.allowed).toBe(true);
      }
      const deleter = allowed.find((a) => a.role !== 'admin') ?? allowed[0];
      if (deleter) expect((await call(api.url, 'DELETE', `/v1/documents/${d.id}`, { token: deleter.token })).status).toBe(204);
    }
  });

  describe('mass assignment and fields', () => {
    const alice = () => actors[1] as Actor;
    const admin = () => actors[0] as Actor;

    it('ownerId, tenantId and department in a body are refused, not applied', async () => {
      const res = await call(api.url, 'POST', '/v1/documents', { token: alice().token, body: { title: 't', body: 'b', ownerId: actors[2]?.id, tenantId: 'x' } });
      expect(res.status).toBe(400);
      const own = await call(api.url, 'POST', '/v1/documents', { token: alice().token, body: { title: 'mine', body: 'b' } });
      const patch = await call(api.url, 'PATCH', `/v1/documents/${own.body.id}`, { token: alice().token, body: { department: 'sales' } });
      expect(patch.status).toBe(400);
    });

    it('PATCH /v1/users/me with role is a 400; the display name is one\'s own to change', async () => {
      expect((await call(api.url, 'PATCH', '/v1/users/me', { token: alice().token, body: { displayName: 'Alice', role: 'admin' } })).status).toBe(400);
      const ok = await call(api.url, 'PATCH', '/v1/users/me', { token: alice().token, body: { displayName: 'Alice E.' } });
      expect(ok.status).toBe(200);
      expect(ok.body.displayName).toBe('Alice E.');
    });

    it('only admins change roles, and not their own', async () => {
      const bob = actors[2] as Actor;
      const byEditor = await call(api.url, 'PATCH', `/v1/users/${bob.id}`, { token: alice().token, body: { role: 'admin' } });
      expect(byEditor.status).toBe(403);
      const self = await call(api.url, 'PATCH', `/v1/users/${admin().id}`, { token: admin().token, body: { role: 'viewer' } });
      expect(self.status).toBe(403);
      expect(self.body.detail).toBe('Admins cannot change their own role or status');
    });

    it("colleagues are listed with display fields only; one's own row in full", async () => {
      const res = await call(api.url, 'GET', '/v1/users', { token: alice().token });
      expect(res.status).toBe(200);
      const mine = res.body.find((u: { id: string }) => u.id === alice().id);
      const other = res.body.find((u: { id: string }) => u.id === actors[2]?.id);
      expect(mine.email).toBe('alice@example.com');
      expect(Object.keys(other).sort()).toEqual(['department', 'displayName', 'id']);
      expect(res.body.some((u: { id: string }) => u.id === actors[3]?.id)).toBe(false);
    });

    it('a role change applies to the next request, not at token expiry', async () => {
      const bob = actors[2] as Actor;
      expect((await call(api.url, 'POST', '/v1/documents', { token: bob.token, body: { title: 't', body: 'b' } })).status).toBe(403);
      expect((await call(api.url, 'PATCH', `/v1/users/${bob.id}`, { token: admin().token, body: { role: 'editor' } })).status).toBe(200);
      expect((await call(api.url, 'POST', '/v1/documents', { token: bob.token, body: { title: 't', body: 'b' } })).status).toBe(201);
      expect((await call(api.url, 'PATCH', `/v1/users/${bob.id}`, { token: admin().token, body: { status: 'disabled', role: 'viewer' } })).status).toBe(200);
      const disabled = await call(api.url, 'GET', '/v1/documents', { token: bob.token });
      expect(disabled.status).toBe(401);
      expect(disabled.body.code).toBe('ERR_AUTH_ACCOUNT_DISABLED');
      expect((await call(api.url, 'PATCH', `/v1/users/${bob.id}`, { token: admin().token, body: { status: 'active' } })).status).toBe(200);
      // Enabled again: his earlier tokens stay revoked; the tests after this one use a new login.
      expect((await call(api.url, 'GET', '/v1/documents', { token: bob.token })).body.code).toBe('ERR_AUTH_TOKEN_REVOKED');
      bob.token = (await login(api.url, bob.email)).accessToken;
    });
  });

  it('a scoped API key can read, never write, whatever its owner may do', async () => {
    const alice = actors[1] as Actor;
    const key = (await call(api.url, 'POST', '/v1/api-keys', { token: alice.token, body: { name: 'ro', scopes: ['documents:read'] } })).body.key;
    const own = await call(api.url, 'POST', '/v1/documents', { token: alice.token, body: { title: 'x', body: 'y' } });
    expect((await call(api.url, 'GET', `/v1/documents/${own.body.id}`, { apiKey: key })).status).toBe(200);
    expect((await call(api.url, 'PATCH', `/v1/documents/${own.body.id}`, { apiKey: key, body: { title: 'z' } })).status).toBe(403);
    expect((await call(api.url, 'DELETE', `/v1/documents/${own.body.id}`, { apiKey: key })).status).toBe(403);
  });

  describe('policies as data', () => {
    const admin = () => actors[0] as Actor;
    const put = (base: string, role: string, rules: unknown, token = admin().token) => call(base, 'PUT', `/v1/policies/${role}`, { token, body: { rules } });

    it('admins read the policies with their versions; others are refused', async () => {
      const res = await call(api.url, 'GET', '/v1/policies', { token: admin().token });
      expect(res.status).toBe(200);
      expect(res.body.map((p: { role: string }) => p.role)).toEqual(['admin', 'editor', 'viewer']);
      expect(res.body[0]).toMatchObject({ version: expect.any(Number), updatedAt: expect.any(String) });
      expect((await call(api.url, 'GET', '/v1/policies', { token: (actors[1] as Actor).token })).status).toBe(403);
    });

    it.each([
      ['an unknown action', [{ action: 'destroy', subject: 'Document' }], /action/],
      ['an unknown subject', [{ action: 'read', subject: 'Secrets' }], /subject/],
      ['an unknown field', [{ action: 'read', subject: 'Document', fields: ['password'] }], /unknown field/],
      ['a $where operator', [{ action: 'read', subject: 'Document', conditions: { title: { $where: 'this.x' } } }], /unknown operator/],
      ['a code-like placeholder', [{ action: 'read', subject: 'Document', conditions: { ownerId: '${process.env.SECRET}' } }], /placeholder/],
      ['too many rules', Array.from({ length: 101 }, () => ({ action: 'read', subject: 'Document' })), /more than 100/],
      ['not a list', { action: 'read' }, /must be a list/],
      ['an unknown property', [{ action: 'read', subject: 'Document', when: 'always' }], /unknown property/],
    ])('refuses %s with 400 and the reason', async (_name, rules, reason) => {
      const res = await put(api.url, 'viewer', rules);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_POLICY_INVALID');
      expect(res.body.detail).toMatch(reason);
    });

    it('a change is seen by a second instance within 1 s, without a restart', async () => {
      const second = await startApi(env);
      try {
        const bob = actors[2] as Actor;
        const internal = (await call(api.url, 'POST', '/v1/documents', { token: (actors[1] as Actor).token, body: { title: 'i', body: 'b', classification: 'internal' } })).body.id;
        expect((await call(second.url, 'GET', `/v1/documents/${internal}`, { token: bob.token })).status).toBe(200);
        const narrowed = DEMO_POLICY.viewer.map((r) =>
          r.subject === 'Document' ? { ...r, conditions: { ...r.conditions, classification: 'public' } } : r,
        );
        expect((await put(api.url, 'viewer', narrowed)).status).toBe(200);
        const started = Date.now();
        let status = 0;
        while (Date.now() - started < 1000) {
          status = (await call(second.url, 'GET', `/v1/documents/${internal}`, { token: bob.token })).status;
          if (status === 403) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(status).toBe(403);
        expect((await put(api.url, 'viewer', DEMO_POLICY.viewer)).status).toBe(200);
        const history = await call(api.url, 'GET', '/v1/policies', { token: admin().token });
        expect(history.body.find((p: { role: string }) => p.role === 'viewer').rules).toEqual(DEMO_POLICY.viewer);
      } finally {
        await second.close();
      }
    });

    it('a policy change from outside ADMIN_ALLOWED_CIDRS is refused; reading is not', async () => {
      const remote = await startApi({ ...env, ADMIN_ALLOWED_CIDRS: '10.0.0.0/8' });
      try {
        const res = await put(remote.url, 'viewer', DEMO_POLICY.viewer);
        expect(res.status).toBe(403);
        expect(res.body.detail).toBe('Policies change only from the admin network');
        expect((await call(remote.url, 'GET', '/v1/policies', { token: admin().token })).status).toBe(200);
        const bob = actors[2] as Actor;
        const role = await call(remote.url, 'PATCH', `/v1/users/${bob.id}`, { token: admin().token, body: { role: 'editor' } });
        expect(role.status).toBe(403);
      } finally {
        await remote.close();
      }
    });
  });
});

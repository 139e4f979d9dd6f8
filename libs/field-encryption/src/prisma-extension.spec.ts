import { decryptField, kidOf } from './cipher.js';
import { FieldEncryptionError } from './errors.js';
import { FieldKeyRing, generateFieldKey } from './key-ring.js';
import { fieldEncryptionExtension } from './prisma-extension.js';

type Hook = (p: { model: string; operation: string; args: Record<string, unknown>; query: (a: Record<string, unknown>) => Promise<unknown> }) => Promise<unknown>;

const ring = new FieldKeyRing({ activeKid: 'k1', keys: [generateFieldKey('k1')], blindIndexKey: generateFieldKey().key });
const models = {
  Document: { table: 'documents', fields: { body: {} } },
  User: { table: 'users', fields: { phone: { blindIndex: { field: 'phoneIndex', column: 'phone_index', normalize: (p: string) => p.replace(/[^+\d]/g, '') } } } },
};

// The extension object Prisma would receive, driven without a database: `query` stands for the engine.
function hookOf(): Hook {
  let captured: { query: { $allModels: { $allOperations: Hook } } } | undefined;
  fieldEncryptionExtension({ ring, models, generateId: () => '00000000-0000-4000-8000-0000000000aa' })({
    $extends: (ext: never) => (captured = ext),
  });
  return captured!.query.$allModels.$allOperations;
}

describe('fieldEncryptionExtension', () => {
  const hook = hookOf();

  // What a create writes to the database for this body.
  async function storedBody(id: string, body: string): Promise<{ body: string }> {
    let written: { body: string } | undefined;
    await hook({ model: 'Document', operation: 'create', args: { data: { id, body } }, query: async (a) => ((written = { ...(a.data as { body: string }) }), { ...(a.data as object) }) });
    return written!;
  }

  it('encrypts on create, making the id first so the associated data binds it', async () => {
    let sent: Record<string, unknown> = {};
    const result = (await hook({ model: 'Document', operation: 'create', args: { data: { title: 't', body: 'secret' } }, query: async (a) => ((sent = a), { ...(a.data as object) }) })) as Record<string, unknown>;
    const data = sent.data as Record<string, string>;
    expect(data.id).toBe('00000000-0000-4000-8000-0000000000aa');
    expect(kidOf(data.body!)).toBe('k1');
    expect(decryptField(ring, data.body!, { model: 'Document', field: 'body', id: data.id! })).toBe('secret');
    expect(result.body).toBe('secret');
  });

  it('keeps the blind index on write, looks it up on read, and never returns it unasked', async () => {
    let sent: Record<string, unknown> = {};
    await hook({ model: 'User', operation: 'update', args: { where: { id: 'u1' }, data: { phone: '+1 555 0100' } }, query: async (a) => ((sent = a), null) });
    const index = (sent.data as Record<string, string>).phoneIndex;
    expect(index).toMatch(/^[0-9a-f]{64}$/);
    const stored = (sent.data as Record<string, string>).phone;
    const rows = (await hook({
      model: 'User',
      operation: 'findMany',
      args: { where: { AND: [{ tenantId: 't' }, { phone: '+1-555-0100' }] } },
      query: async (a) => ((sent = a), [{ id: 'u1', phone: stored, phoneIndex: index }]),
    })) as Record<string, unknown>[];
    expect(sent.where).toEqual({ AND: [{ tenantId: 't' }, { phoneIndex: index }] });
    expect(rows).toEqual([{ id: 'u1', phone: '+1 555 0100' }]);
  });

  it('adds the id to a select that left it out, and drops it again', async () => {
    const body = await storedBody('d1', 'x');
    let sent: Record<string, unknown> = {};
    const row = await hook({ model: 'Document', operation: 'findUnique', args: { where: { id: 'd1' }, select: { body: true } }, query: async (a) => ((sent = a), { id: 'd1', body: body.body }) });
    expect(sent.select).toEqual({ body: true, id: true });
    expect(row).toEqual({ body: 'x' });
  });

  it.each([
    ['an update not by id', 'update', { where: { email: 'a@b' }, data: { phone: '1' } }],
    ['updateMany of an encrypted field', 'updateMany', { where: {}, data: { body: 'x' } }],
    ['a filter on an unindexed encrypted field', 'findMany', { where: { body: { contains: 'x' } } }],
    ['a pattern on an indexed field', 'findMany', { where: { phone: { startsWith: '+1' } } }],
    ['writing the index by hand', 'create', { data: { phoneIndex: 'f'.repeat(64) } }],
  ])('refuses %s (ERR_FIELD_QUERY)', async (_what, operation, args) => {
    const model = JSON.stringify(args).includes('body') ? 'Document' : 'User';
    await expect(hook({ model, operation, args, query: async () => null })).rejects.toMatchObject({ code: 'ERR_FIELD_QUERY' });
  });

  it('refuses a value moved from another row on read (ERR_FIELD_INTEGRITY), and plaintext', async () => {
    const created = await storedBody('d1', 'mine');
    const read = (body: string) => hook({ model: 'Document', operation: 'findFirst', args: {}, query: async () => ({ id: 'd2', body }) });
    await expect(read(created.body!)).rejects.toBeInstanceOf(FieldEncryptionError);
    await expect(read(created.body!)).rejects.toMatchObject({ code: 'ERR_FIELD_INTEGRITY' });
    await expect(read('plain text')).rejects.toMatchObject({ code: 'ERR_FIELD_INTEGRITY' });
  });

  it('leaves models without encrypted fields alone', async () => {
    const args = { where: { role: 'admin' } };
    let sent: unknown;
    await hook({ model: 'Policy', operation: 'findMany', args, query: async (a) => ((sent = a), []) });
    expect(sent).toBe(args);
  });
});

import { encryptField, kidOf } from './cipher.js';
import { FieldKeyRing, generateFieldKey } from './key-ring.js';
import { resolveFields, type ResolvedField } from './options.js';
import { type FieldRowStore, keysInUse, reencryptFields, type StoredValue, verifyFieldKeys } from './rotation.js';

// The same contract as SqlFieldStore, in memory (the SQL one runs in test/field-encryption.e2e-spec.ts).
class MemoryStore implements FieldRowStore {
  rows = new Map<string, string>();
  /** Called before each replace: lets a test write concurrently. */
  beforeReplace?: (id: string) => void;
  async pending(_f: ResolvedField, kid: string, after: string | undefined, limit: number): Promise<StoredValue[]> {
    return [...this.rows.entries()]
      .filter(([id, v]) => v.split('.')[1] !== kid && (after === undefined || id > after))
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, limit)
      .map(([id, value]) => ({ id, value }));
  }
  async replace(_f: ResolvedField, id: string, previous: string, next: string): Promise<boolean> {
    this.beforeReplace?.(id);
    if (this.rows.get(id) !== previous) return false;
    this.rows.set(id, next);
    return true;
  }
  async countByKid(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const v of this.rows.values()) counts.set(v.split('.')[1] ?? '', (counts.get(v.split('.')[1] ?? '') ?? 0) + 1);
    return counts;
  }
  async samplePerKid(_f: ResolvedField, perKid: number): Promise<StoredValue[]> {
    const seen = new Map<string, number>();
    return [...this.rows.entries()].filter(([, v]) => {
      const kid = v.split('.')[1] ?? '';
      seen.set(kid, (seen.get(kid) ?? 0) + 1);
      return (seen.get(kid) ?? 0) <= perKid;
    }).map(([id, value]) => ({ id, value }));
  }
}

const k1 = generateFieldKey('k1');
const k2 = generateFieldKey('k2');
const blind = generateFieldKey().key;
const fields = resolveFields({ Document: { table: 'documents', fields: { body: {} } } });
const ctx = (id: string) => ({ model: 'Document', field: 'body', id });

function seeded(n: number): MemoryStore {
  const store = new MemoryStore();
  const old = new FieldKeyRing({ activeKid: 'k1', keys: [k1], blindIndexKey: blind });
  for (let i = 0; i < n; i += 1) store.rows.set(`id-${String(i).padStart(3, '0')}`, encryptField(old, `body ${i}`, ctx(`id-${i}`.replace(/-(\d+)$/, (_m, d) => `-${String(d).padStart(3, '0')}`))));
  return store;
}

describe('reencryptFields', () => {
  const ring = new FieldKeyRing({ activeKid: 'k2', keys: [k2, k1], blindIndexKey: blind });

  it('moves every value to the active key in batches; a second run finds nothing', async () => {
    const store = seeded(25);
    const batches: number[] = [];
    const report = await reencryptFields({ store, ring, fields, batchSize: 10, onBatch: (p) => batches.push(p.done) });
    expect(report.reencrypted).toBe(25);
    expect(batches).toEqual([10, 20, 25]);
    expect([...store.rows.values()].every((v) => kidOf(v) === 'k2')).toBe(true);
    expect(keysInUse(report, 'k2')).toEqual([]);
    expect((await reencryptFields({ store, ring, fields })).reencrypted).toBe(0);
  });

  it('resumes after an interruption without redoing finished rows', async () => {
    const store = seeded(12);
    let calls = 0;
    await expect(reencryptFields({ store, ring, fields, batchSize: 5, onBatch: () => { if (++calls === 1) throw new Error('stop'); } })).rejects.toThrow('stop');
    expect([...store.rows.values()].filter((v) => kidOf(v) === 'k2')).toHaveLength(5);
    expect((await reencryptFields({ store, ring, fields, batchSize: 5 })).reencrypted).toBe(7);
  });

  it('lets a concurrent write win and picks it up in the next pass', async () => {
    const store = seeded(3);
    let once = true;
    store.beforeReplace = (id) => {
      if (once && id === 'id-001') {
        once = false;
        store.rows.set(id, encryptField(new FieldKeyRing({ activeKid: 'k1', keys: [k1], blindIndexKey: blind }), 'edited', ctx(id)));
      }
    };
    const report = await reencryptFields({ store, ring, fields });
    expect(report.reencrypted).toBe(3);
    expect([...store.rows.values()].every((v) => kidOf(v) === 'k2')).toBe(true);
  });

  it('leaves a value that does not decrypt, reports it, and keeps its key in use', async () => {
    const store = seeded(3);
    store.rows.set('id-001', store.rows.get('id-002') as string); // moved from another row
    const report = await reencryptFields({ store, ring, fields });
    expect(report.failed).toEqual([{ model: 'Document', field: 'body', id: 'id-001', code: 'ERR_FIELD_INTEGRITY' }]);
    expect(keysInUse(report, 'k2')).toEqual(['k1']);
  });
});

describe('verifyFieldKeys', () => {
  it('passes with the right keys, and names a missing or wrong key', async () => {
    const store = seeded(4);
    await expect(verifyFieldKeys(store, new FieldKeyRing({ activeKid: 'k1', keys: [k1], blindIndexKey: blind }), fields)).resolves.toBeUndefined();
    await expect(verifyFieldKeys(store, new FieldKeyRing({ activeKid: 'k2', keys: [k2], blindIndexKey: blind }), fields)).rejects.toThrow(/key k1, which is not in the key ring/);
    const wrong = { kid: 'k1', key: generateFieldKey().key };
    await expect(verifyFieldKeys(store, new FieldKeyRing({ activeKid: 'k1', keys: [wrong], blindIndexKey: blind }), fields)).rejects.toThrow(/key k1 decrypts none/);
  });
});

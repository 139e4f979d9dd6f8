import { randomUUID } from 'node:crypto';
import { blindIndex, decryptField, encryptField } from './cipher.js';
import { FieldEncryptionError } from './errors.js';
import { type FieldEncryptionOptions, resolveFields, type ResolvedField } from './options.js';

type Row = Record<string, unknown>;
type Args = Record<string, unknown>;

interface ModelPlan {
  model: string;
  idField: string;
  fields: ResolvedField[];
}

// Operations whose result is rows of the model (decrypted on the way out).
const RETURNS_ROWS = new Set([
  'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany',
  'create', 'createManyAndReturn', 'update', 'updateManyAndReturn', 'upsert', 'delete',
]);

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

function queryError(message: string): FieldEncryptionError {
  return new FieldEncryptionError('ERR_FIELD_QUERY', message);
}

/** A value written to an encrypted field: a string, `{ set: string }`, null, or (absent) undefined. */
function plainValueOf(plan: ModelPlan, f: ResolvedField, value: unknown): string | null | undefined {
  const v = isObject(value) && Object.keys(value).length === 1 && Object.hasOwn(value, 'set') ? value.set : value;
  if (v === undefined || v === null || typeof v === 'string') return v;
  throw queryError(`${plan.model}.${f.field} is encrypted: write a string or null`);
}

function touches(plan: ModelPlan, data: unknown): boolean {
  return isObject(data) && plan.fields.some((f) => Object.hasOwn(data, f.field) || (f.blindIndex && Object.hasOwn(data, f.blindIndex.field)));
}

/**
 * The Prisma client extension. Encrypts the configured fields on create,
 * update and upsert (binding each value to its model, field and row id),
 * keeps their blind indexes, rewrites equality filters on an indexed field to
 * its index, refuses queries it cannot serve safely, and decrypts rows read.
 *
 * Limits: nested writes (`documents: { create: … }` from another model) and
 * nested reads (`include` of a related model) are not transformed — write and
 * read encrypted models through their own delegate. `updateMany` cannot set
 * an encrypted field (each row's value is bound to its id).
 *
 * @example
 * const prisma = new PrismaClient({ adapter }).$extends(fieldEncryptionExtension({ ring, models: { Document: { table: 'documents', fields: { body: {} } } } }));
 */
export function fieldEncryptionExtension(options: FieldEncryptionOptions) {
  const { ring } = options;
  const generateId = options.generateId ?? randomUUID;
  const plans = new Map<string, ModelPlan>();
  for (const f of resolveFields(options.models)) {
    const plan = plans.get(f.model) ?? { model: f.model, idField: f.idField, fields: [] };
    plan.fields.push(f);
    plans.set(f.model, plan);
  }

  const encryptData = (plan: ModelPlan, data: Row, id: string): Row => {
    const out: Row = { ...data };
    for (const f of plan.fields) {
      if (f.blindIndex && Object.hasOwn(data, f.blindIndex.field)) throw queryError(`${plan.model}.${f.blindIndex.field} is kept by the encryption extension; write ${f.field} instead`);
      if (!Object.hasOwn(data, f.field)) continue;
      const value = plainValueOf(plan, f, data[f.field]);
      if (value === undefined) continue;
      out[f.field] = value === null ? null : encryptField(ring, value, { model: plan.model, field: f.field, id });
      if (f.blindIndex) out[f.blindIndex.field] = value === null ? null : blindIndex(ring, plan.model, f.field, f.blindIndex.normalize(value));
    }
    return out;
  };

  const forCreate = (plan: ModelPlan, data: unknown): unknown => {
    if (!touches(plan, data)) return data;
    const row = data as Row;
    // The id must exist before the insert so the associated data can bind it.
    const id = row[plan.idField] ?? generateId();
    if (typeof id !== 'string') throw queryError(`${plan.model}.${plan.idField} must be a string to encrypt its fields`);
    return encryptData(plan, { ...row, [plan.idField]: id }, id);
  };

  const forUpdate = (plan: ModelPlan, where: unknown, data: unknown): unknown => {
    if (!touches(plan, data)) return data;
    const id = isObject(where) ? where[plan.idField] : undefined;
    if (typeof id !== 'string') throw queryError(`update ${plan.model} by ${plan.idField} to write its encrypted fields`);
    return encryptData(plan, data as Row, id);
  };

  const rewriteWhere = (plan: ModelPlan, where: unknown): unknown => {
    if (Array.isArray(where)) return where.map((w) => rewriteWhere(plan, w));
    if (!isObject(where)) return where;
    const out: Row = {};
    for (const [key, value] of Object.entries(where)) {
      if (key === 'AND' || key === 'OR' || key === 'NOT') {
        out[key] = rewriteWhere(plan, value);
        continue;
      }
      const f = plan.fields.find((x) => x.field === key);
      if (!f) {
        out[key] = value;
        continue;
      }
      const wanted = isObject(value) && Object.keys(value).length === 1 && Object.hasOwn(value, 'equals') ? value.equals : value;
      // Ciphertexts are randomised: only the blind index can answer equality, and nothing answers order or patterns.
      if (!f.blindIndex) throw queryError(`${plan.model}.${key} is encrypted and cannot be filtered on`);
      if (wanted === null) out[f.blindIndex.field] = null;
      else if (typeof wanted === 'string') out[f.blindIndex.field] = blindIndex(ring, plan.model, f.field, f.blindIndex.normalize(wanted));
      else throw queryError(`${plan.model}.${key} is encrypted: only equality with a string can be looked up`);
    }
    return out;
  };

  const prepare = (plan: ModelPlan, operation: string, input: Args): { args: Args; strip: string[] } => {
    const args: Args = { ...input };
    if (args.where !== undefined) args.where = rewriteWhere(plan, args.where);
    switch (operation) {
      case 'create':
        args.data = forCreate(plan, args.data);
        break;
      case 'createMany':
      case 'createManyAndReturn':
        args.data = Array.isArray(args.data) ? args.data.map((d) => forCreate(plan, d)) : forCreate(plan, args.data);
        break;
      case 'update':
        args.data = forUpdate(plan, input.where, args.data);
        break;
      case 'upsert':
        args.create = forCreate(plan, args.create);
        args.update = forUpdate(plan, input.where, args.update);
        break;
      case 'updateMany':
      case 'updateManyAndReturn':
        if (touches(plan, args.data)) throw queryError(`updateMany cannot write the encrypted fields of ${plan.model}: update each row by ${plan.idField}`);
        break;
    }
    const strip: string[] = [];
    if (RETURNS_ROWS.has(operation)) {
      const select = isObject(args.select) ? args.select : undefined;
      const omit = isObject(args.omit) ? args.omit : undefined;
      const reads = (field: string) => (select ? select[field] === true : omit?.[field] !== true);
      if (plan.fields.some((f) => reads(f.field))) {
        // Decryption needs the row id: fetch it when the caller did not ask for it, and drop it again.
        if (select && select[plan.idField] !== true) {
          args.select = { ...select, [plan.idField]: true };
          strip.push(plan.idField);
        }
        if (omit?.[plan.idField] === true) {
          args.omit = { ...omit, [plan.idField]: false };
          strip.push(plan.idField);
        }
      }
      // A blind index leaves only when asked for by name: it is a stable handle on the value.
      for (const f of plan.fields) if (f.blindIndex && select?.[f.blindIndex.field] !== true) strip.push(f.blindIndex.field);
    }
    return { args, strip };
  };

  const decryptRows = async (plan: ModelPlan, result: unknown, strip: string[]): Promise<unknown> => {
    let reloaded = false;
    const decryptOne = async (row: Row): Promise<void> => {
      for (const f of plan.fields) {
        const stored = row[f.field];
        if (typeof stored !== 'string') continue;
        const id = row[plan.idField];
        if (typeof id !== 'string') throw queryError(`${plan.model}.${f.field} was read without its ${plan.idField}`);
        const ctx = { model: plan.model, field: f.field, id };
        try {
          row[f.field] = decryptField(ring, stored, ctx);
        } catch (error) {
          // A key id this instance has not seen yet: another process may have rotated; look once.
          if ((error as FieldEncryptionError).code !== 'ERR_FIELD_KEYS' || !options.reloadKeys || reloaded) throw error;
          reloaded = true;
          await options.reloadKeys();
          row[f.field] = decryptField(ring, stored, ctx);
        }
      }
      for (const key of strip) delete row[key];
    };
    const rows = Array.isArray(result) ? result : isObject(result) ? [result] : [];
    for (const row of rows) if (isObject(row)) await decryptOne(row);
    return result;
  };

  return (client: unknown) =>
    (client as { $extends(ext: object): unknown }).$extends({
      name: 'bastion-field-encryption',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }: { model: string; operation: string; args: Args; query: (args: Args) => Promise<unknown> }) {
            const plan = plans.get(model);
            if (!plan) return query(args);
            const prepared = prepare(plan, operation, args ?? {});
            const result = await query(prepared.args);
            return RETURNS_ROWS.has(operation) ? decryptRows(plan, result, prepared.strip) : result;
          },
        },
      },
    });
}

/**
 * `client.$extends(fieldEncryptionExtension(options))`, typed as the client
 * it was given (a query extension adds no methods).
 */
export function withFieldEncryption<C extends object>(client: C, options: FieldEncryptionOptions): C {
  return fieldEncryptionExtension(options)(client) as C;
}

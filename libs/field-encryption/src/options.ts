import { FieldEncryptionError } from './errors.js';
import type { FieldKeyRing } from './key-ring.js';

/** One encrypted field of a model. */
export interface EncryptedFieldOptions {
  /** The database column (for rotation and the start-up key check). Default: the field name. */
  column?: string;
  /**
   * Keep an HMAC-SHA-256 blind index of the value in another field, so that
   * `where: { <field>: value }` finds rows by equality (the extension rewrites
   * it to the index). The index field should be omitted from every response.
   */
  blindIndex?: {
    /** The Prisma field holding the index (a 64-character hex string). */
    field: string;
    /** Its column. Default: the field name. */
    column?: string;
    /** Makes equal values look equal before hashing (e.g. strip spaces from a phone number). Default: as is. */
    normalize?: (value: string) => string;
  };
}

/** The encrypted fields of one model. */
export interface EncryptedModelOptions {
  /** The table (for rotation and the start-up key check). */
  table: string;
  /** The primary-key field, a string the client can make before insert (uuid). Default `id`. */
  idField?: string;
  /** Its column. Default: the id field name. */
  idColumn?: string;
  fields: Record<string, EncryptedFieldOptions>;
}

/** Options of {@link fieldEncryptionExtension}. */
export interface FieldEncryptionOptions {
  ring: FieldKeyRing;
  /** Prisma model name (e.g. `Document`) → its encrypted fields. */
  models: Record<string, EncryptedModelOptions>;
  /** Makes an id when a create gives none, so the associated data can bind it. Default `crypto.randomUUID`. */
  generateId?: () => string;
  /** Called once when a value names a key the ring lacks, before trying again (e.g. re-read the key file). */
  reloadKeys?: () => Promise<void>;
}

/** One encrypted column, resolved: what rotation and the key check walk. */
export interface ResolvedField {
  model: string;
  field: string;
  table: string;
  column: string;
  idField: string;
  idColumn: string;
  blindIndex?: { field: string; column: string; normalize: (value: string) => string };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Checks the field map and lists every encrypted column. A bad entry names itself. */
export function resolveFields(models: FieldEncryptionOptions['models']): ResolvedField[] {
  if (!models || typeof models !== 'object' || !Object.keys(models).length) {
    throw new FieldEncryptionError('ERR_FIELD_OPTIONS', 'field encryption option "models" must name at least one model');
  }
  const out: ResolvedField[] = [];
  for (const [model, spec] of Object.entries(models)) {
    const idField = spec.idField ?? 'id';
    const names = { table: spec.table, idColumn: spec.idColumn ?? idField, idField };
    for (const [what, name] of Object.entries(names)) {
      // Identifiers are put into SQL (quoted) by the rotation store: an allowlist, not escaping.
      if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', `models.${model}.${what} must be a plain identifier`);
    }
    if (!spec.fields || !Object.keys(spec.fields).length) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', `models.${model}.fields must name at least one field`);
    for (const [field, f] of Object.entries(spec.fields)) {
      const column = f.column ?? field;
      if (!IDENTIFIER.test(column) || !IDENTIFIER.test(field)) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', `models.${model}.fields.${field}: field and column must be plain identifiers`);
      if (field === idField) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', `models.${model}: the id field cannot be encrypted (the associated data binds it)`);
      let blindIndex: ResolvedField['blindIndex'];
      if (f.blindIndex) {
        const bi = { field: f.blindIndex.field, column: f.blindIndex.column ?? f.blindIndex.field, normalize: f.blindIndex.normalize ?? ((v: string) => v) };
        if (!IDENTIFIER.test(bi.field) || !IDENTIFIER.test(bi.column)) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', `models.${model}.fields.${field}.blindIndex: field and column must be plain identifiers`);
        blindIndex = bi;
      }
      out.push({ model, field, table: spec.table, column, idField, idColumn: names.idColumn, blindIndex });
    }
  }
  return out;
}

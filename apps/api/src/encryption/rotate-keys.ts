import {
  FileKeyProvider,
  generateFieldKey,
  keysInUse,
  newKid,
  readKeyFile,
  reencryptFields,
  type ReencryptReport,
  writeKeyFile,
} from '@bastion/field-encryption';
import type { DatabaseConnection } from '@bastion/database';
import { encryptionConfig } from '../config';
import { ENCRYPTED_FIELDS, fieldStoreOf, KEY_RELOAD_INTERVAL_MS, openFieldKeys } from './field-keys';

/** Options of {@link rotateFieldKeys}. */
export interface RotateOptions {
  batchSize?: number;
  /** Encrypt values stored before encryption was turned on. */
  adoptPlaintext?: boolean;
  /** How long to let running instances pick up a new active key before sweeping. Default: two reload intervals. */
  settleMs?: number;
  onBatch?: (progress: { model: string; field: string; done: number }) => void;
}

/** What {@link rotateFieldKeys} did. */
export interface RotateResult {
  activeKid: string;
  /** A key made by this run (undefined when resuming or when ENCRYPTION_KEYS holds the keys). */
  createdKid?: string;
  /** This run continued an interrupted rotation. */
  resumed: boolean;
  report: ReencryptReport;
  /** Keys removed from the ring file because no row uses them any more. */
  retired: string[];
  /** Old keys some row still uses (failed rows, or a concurrent writer still on the old key). */
  stillInUse: string[];
  /** ENCRYPTION_KEYS entries no row uses: the operator may remove them. */
  unusedConfiguredKeys: string[];
}

/**
 * `npm run encryption:rotate`. With a key ring file: a new key becomes active
 * (written first, so running instances encrypt with it within a second), every
 * row is re-encrypted in batches, and each old key is removed from the file
 * only once no row uses it. With ENCRYPTION_KEYS the operator has put the new
 * key first already; the rows are re-encrypted and the unused keys named.
 *
 * Resumable and idempotent: the file records the key a rotation is moving to
 * (`rotating`), so a run after an interruption continues towards the same key
 * instead of making another, and rows already under it are skipped.
 */
export async function rotateFieldKeys(db: DatabaseConnection, options: RotateOptions = {}): Promise<RotateResult> {
  const cfg = encryptionConfig();
  let createdKid: string | undefined;
  let resumed = false;
  const path = cfg.ENCRYPTION_KEYS ? undefined : cfg.ENCRYPTION_KEYS_FILE;
  if (path) {
    // The same rules as the app: made on first use outside production, required in production.
    await new FileKeyProvider({ path, createIfMissing: cfg.NODE_ENV !== 'production' }).load();
    const file = await readKeyFile(path);
    if (file.rotating && file.keys.some((k) => k.kid === file.rotating)) {
      resumed = true;
    } else {
      const key = generateFieldKey(newKid());
      file.keys.push({ kid: key.kid, key: key.key.toString('base64'), createdAt: new Date().toISOString() });
      file.active = key.kid;
      file.rotating = key.kid;
      await writeKeyFile(path, file);
      createdKid = key.kid;
      // Running instances re-read the file every KEY_RELOAD_INTERVAL_MS; after this no new value is written under an old key.
      await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2 * KEY_RELOAD_INTERVAL_MS + 500));
    }
  }
  const keys = await openFieldKeys();
  const activeKid = keys.ring.active.kid;
  const report = await reencryptFields({
    store: fieldStoreOf(db),
    ring: keys.ring,
    fields: ENCRYPTED_FIELDS,
    batchSize: options.batchSize,
    adoptPlaintext: options.adoptPlaintext,
    onBatch: options.onBatch,
  });
  const stillInUse = keysInUse(report, activeKid);
  const unused = keys.ring.kids.filter((kid) => kid !== activeKid && !stillInUse.includes(kid));
  const retired: string[] = [];
  if (path) {
    const file = await readKeyFile(path);
    const now = new Date().toISOString();
    // A key leaves the ring only when no row uses it: the count comes after the sweep.
    for (const kid of unused) {
      file.keys = file.keys.filter((k) => k.kid !== kid);
      file.retired = [...(file.retired ?? []), { kid, retiredAt: now }];
      retired.push(kid);
    }
    if (!stillInUse.length && !report.failed.length) delete file.rotating;
    await writeKeyFile(path, file);
  }
  return { activeKid, createdKid, resumed, report, retired, stillInUse, unusedConfiguredKeys: path ? [] : unused };
}

/**
 * Encrypts values written before field encryption was turned on (an embedded
 * demo database from an earlier version), under the active key. Cheap when
 * there is nothing to do: one indexed query per encrypted column.
 */
export async function encryptLegacyPlaintext(db: DatabaseConnection): Promise<number> {
  const keys = await openFieldKeys();
  const report = await reencryptFields({ store: fieldStoreOf(db), ring: keys.ring, fields: ENCRYPTED_FIELDS, adoptPlaintext: true });
  return report.adopted;
}

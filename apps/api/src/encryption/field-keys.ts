import { Logger } from '@nestjs/common';
import {
  FieldEncryptionError,
  type FieldKeyProvider,
  FieldKeyRing,
  FileKeyProvider,
  decodeKey,
  parseKeyList,
  resolveFields,
  SqlFieldStore,
  StaticKeyProvider,
  verifyFieldKeys,
  withFieldEncryption,
} from '@bastion/field-encryption';
import type { DatabaseConnection } from '@bastion/database';
import { encryptionConfig } from '../config';
import { ENCRYPTED_MODELS } from './encrypted-fields';

const logger = new Logger('FieldEncryption');

/** The keys of a running process, and how they came. */
export interface FieldKeys {
  ring: FieldKeyRing;
  provider: FieldKeyProvider;
  /** The setting the keys came from, for messages. */
  source: 'ENCRYPTION_KEYS' | 'ENCRYPTION_KEYS_FILE';
  /** Where the ring file is (file source only). */
  file?: string;
  /** Re-reads the keys now (a rotation by another process). */
  reload(): Promise<void>;
  /** Stops watching the key file. */
  stop(): void;
}

/** How often a running instance looks at the key ring file for a rotation. */
export const KEY_RELOAD_INTERVAL_MS = 1000;

/**
 * Opens the keys the environment names: ENCRYPTION_KEYS (+ BLIND_INDEX_KEY),
 * or the ring file ENCRYPTION_KEYS_FILE (default `.data/encryption-keys.json`,
 * made with mode 0600 on first start outside production). A file is watched
 * so that a rotation reaches running instances.
 */
export async function openFieldKeys(options: { watch?: boolean } = {}): Promise<FieldKeys> {
  const cfg = encryptionConfig();
  let provider: FieldKeyProvider;
  let source: FieldKeys['source'];
  if (cfg.ENCRYPTION_KEYS) {
    source = 'ENCRYPTION_KEYS';
    const keys = parseKeyList(cfg.ENCRYPTION_KEYS, 'ENCRYPTION_KEYS');
    provider = new StaticKeyProvider({ activeKid: keys[0]!.kid, keys, blindIndexKey: decodeKey(cfg.BLIND_INDEX_KEY as string, 'BLIND_INDEX_KEY') });
  } else {
    source = 'ENCRYPTION_KEYS_FILE';
    provider = new FileKeyProvider({
      path: cfg.ENCRYPTION_KEYS_FILE,
      createIfMissing: cfg.NODE_ENV !== 'production',
      onInsecureMode: (mode) => logger.warn(`key ring ${cfg.ENCRYPTION_KEYS_FILE} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`),
    });
  }
  let material;
  try {
    material = await provider.load();
  } catch (error) {
    if (error instanceof FieldEncryptionError) throw new FieldEncryptionError('ERR_FIELD_KEYS', `${source}: ${error.message}`, { cause: error });
    throw error;
  }
  if (cfg.BLIND_INDEX_KEY && source === 'ENCRYPTION_KEYS_FILE') material = { ...material, blindIndexKey: decodeKey(cfg.BLIND_INDEX_KEY, 'BLIND_INDEX_KEY') };
  const ring = new FieldKeyRing(material);
  const load = async () => {
    const next = await provider.load();
    ring.replace(cfg.BLIND_INDEX_KEY ? { ...next, blindIndexKey: ring.blindIndexKey } : next);
  };
  let stop = () => undefined as void;
  if (options.watch && source === 'ENCRYPTION_KEYS_FILE') {
    // The keys in memory keep working when a reload fails; the operator hears why.
    const timer = setInterval(() => void load().catch((error: Error) => logger.warn(`key ring not reloaded: ${error.message}`)), KEY_RELOAD_INTERVAL_MS);
    timer.unref();
    stop = () => clearInterval(timer);
  }
  return { ring, provider, source, file: source === 'ENCRYPTION_KEYS_FILE' ? cfg.ENCRYPTION_KEYS_FILE : undefined, reload: load, stop };
}

/** Every encrypted column of the demo. */
export const ENCRYPTED_FIELDS = resolveFields(ENCRYPTED_MODELS);

/** The demo's Prisma client with its encrypted fields applied (the app, the seed, scripts). */
export function encryptedClient<C extends object>(client: C, keys: FieldKeys): C {
  return withFieldEncryption(client, { ring: keys.ring, models: ENCRYPTED_MODELS, reloadKeys: keys.reload });
}

/** The rows of the encrypted columns, through plain SQL (rotation, key check). */
export function fieldStoreOf(db: DatabaseConnection): SqlFieldStore {
  return new SqlFieldStore((sql, params) => db.session((s) => s.query(sql, params)));
}

/**
 * Start-up check: the keys can decrypt what is stored. A missing or wrong key
 * stops the process here, naming the setting, instead of failing requests.
 */
export async function checkFieldKeys(db: DatabaseConnection, keys: FieldKeys): Promise<void> {
  try {
    await verifyFieldKeys(fieldStoreOf(db), keys.ring, ENCRYPTED_FIELDS);
  } catch (error) {
    if (error instanceof FieldEncryptionError) {
      throw new FieldEncryptionError('ERR_FIELD_KEYS', `${keys.source}${keys.file ? ` (${keys.file})` : ''} cannot decrypt the stored data: ${error.message}`, { cause: error });
    }
    // The database does not answer (yet): the API starts and reports not ready; reads check each value anyway.
    logger.warn(`keys not checked against the stored data: ${(error as Error).message}`);
  }
}

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FieldEncryptionError } from './errors.js';
import { decodeKey, type FieldKey, FieldKeyRing, generateFieldKey, KID_PATTERN, type KeyRingMaterial } from './key-ring.js';

/**
 * Where keys come from. `load` is called at start-up and again by
 * {@link watchKeyRing} to pick up a rotation. A KMS provider (AWS KMS, GCP
 * KMS, Vault transit) implements `load` by unwrapping data keys it keeps
 * wrapped: see the README.
 */
export interface FieldKeyProvider {
  load(): Promise<KeyRingMaterial>;
}

/**
 * Parses `kid:base64key,kid:base64key` (the first is active), e.g. from an
 * ENCRYPTION_KEYS variable. `label` names the setting in errors; values are
 * never repeated.
 */
export function parseKeyList(list: string, label = 'keys'): FieldKey[] {
  const keys: FieldKey[] = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      const kid = colon > 0 ? entry.slice(0, colon) : '';
      if (!KID_PATTERN.test(kid)) throw new FieldEncryptionError('ERR_FIELD_KEYS', `${label}: entry ${i + 1} must be kid:base64key with a kid of 1-32 of A-Z a-z 0-9 -`);
      return { kid, key: decodeKey(entry.slice(colon + 1), `${label}: key ${kid}`) };
    });
  if (!keys.length) throw new FieldEncryptionError('ERR_FIELD_KEYS', `${label} holds no key`);
  return keys;
}

/** Keys fixed at start-up (from configuration). */
export class StaticKeyProvider implements FieldKeyProvider {
  constructor(private readonly material: KeyRingMaterial) {
    new FieldKeyRing(material);
  }

  async load(): Promise<KeyRingMaterial> {
    return this.material;
  }
}

/** The JSON of a key ring file. */
export interface KeyFileContent {
  version: 1;
  active: string;
  keys: { kid: string; key: string; createdAt: string }[];
  blindIndexKey: string;
  /** Set while `rotate` re-encrypts towards this key id: a second run resumes instead of making another key. */
  rotating?: string;
  /** Key ids removed from the ring once no row used them (no key material). */
  retired?: { kid: string; retiredAt: string }[];
}

/** Writes the file beside and renames it (a reader never sees half a file), mode 0600 in a 0700 folder. */
export async function writeKeyFile(path: string, content: KeyFileContent): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Reads and checks a key ring file. */
export async function readKeyFile(path: string): Promise<KeyFileContent> {
  let parsed: KeyFileContent;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as KeyFileContent;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FieldEncryptionError('ERR_FIELD_KEYS', missing ? `key ring ${path} does not exist` : `key ring ${path} is not readable JSON`, { cause });
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys) || typeof parsed.active !== 'string' || typeof parsed.blindIndexKey !== 'string') {
    throw new FieldEncryptionError('ERR_FIELD_KEYS', `key ring ${path} must be {"version":1,"active","keys":[{kid,key}],"blindIndexKey"}`);
  }
  materialOf(parsed, path);
  return parsed;
}

/** The key material a file holds, checked. */
export function materialOf(content: KeyFileContent, path: string): KeyRingMaterial {
  const material: KeyRingMaterial = {
    activeKid: content.active,
    keys: content.keys.map((k) => ({ kid: String(k.kid), key: decodeKey(String(k.key), `key ring ${path}: key ${String(k.kid).slice(0, 32)}`) })),
    blindIndexKey: decodeKey(content.blindIndexKey, `key ring ${path}: blindIndexKey`),
  };
  new FieldKeyRing(material);
  return material;
}

/** A new key ring: one active key and a blind-index key. */
export function newKeyFile(now = new Date()): KeyFileContent {
  const key = generateFieldKey();
  return {
    version: 1,
    active: key.kid,
    keys: [{ kid: key.kid, key: key.key.toString('base64'), createdAt: now.toISOString() }],
    blindIndexKey: generateFieldKey().key.toString('base64'),
  };
}

/** Options of {@link FileKeyProvider}. */
export interface FileKeyProviderOptions {
  path: string;
  /** Make a new ring when the file does not exist (the embedded demo; never production). Default false. */
  createIfMissing?: boolean;
  /** Called when the file is readable by group or others. */
  onInsecureMode?: (mode: number) => void;
}

/** Keys in a JSON file (mode 0600), re-read on every `load`. */
export class FileKeyProvider implements FieldKeyProvider {
  constructor(private readonly options: FileKeyProviderOptions) {
    if (!options.path?.trim()) throw new FieldEncryptionError('ERR_FIELD_OPTIONS', 'file key provider option "path" must not be empty');
  }

  get path(): string {
    return this.options.path;
  }

  async load(): Promise<KeyRingMaterial> {
    const { path } = this.options;
    if (this.options.createIfMissing && !existsSync(path)) {
      // `wx` semantics through rename are not atomic; a second creator just rewrites an unused ring before anything was encrypted.
      await writeKeyFile(path, newKeyFile());
    }
    const content = await readKeyFile(path);
    const info = await stat(path);
    if (info.mode & 0o077) this.options.onInsecureMode?.(info.mode & 0o777);
    return materialOf(content, path);
  }
}

/**
 * Re-loads the ring from its provider every `intervalMs` (a rotation by
 * another process becomes visible); a failed load keeps the keys in memory
 * and is reported to `onError`. Returns a stop function.
 */
export function watchKeyRing(ring: FieldKeyRing, provider: FieldKeyProvider, intervalMs: number, onError: (error: Error) => void): () => void {
  const timer = setInterval(() => {
    provider.load().then(
      (material) => {
        try {
          ring.replace(material);
        } catch (error) {
          onError(error as Error);
        }
      },
      (error: Error) => onError(error),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Validates the key id pattern of a stored file key (for callers building files by hand). */
export function isKid(kid: string): boolean {
  return KID_PATTERN.test(kid);
}

import { chmod, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { Logger } from '@nestjs/common';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { generateStoredKey, KeyRing, type StoredKey, validateStoredKeys } from './key-ring.js';
import type { SigningKey } from './jwt-key-provider.interface.js';

/** Options of {@link FileKeyRing.open}. */
export interface FileKeyRingOptions {
  /** The JSON file of the ring (`{ "keys": [...] }`), mode 0600. */
  path: string;
  /** Create the file with one new key when it does not exist (the embedded demo). Default false. */
  createIfMissing?: boolean;
  /** How often, at most, to look whether the file changed (ms). Default 1000. */
  reloadIntervalMs?: number;
}

const logger = new Logger('KeyRing');

async function writeRing(path: string, keys: StoredKey[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written beside, then renamed: a reader never sees half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function readRing(path: string): Promise<StoredKey[]> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AuthError('ERR_AUTH_KEYS', `key ring ${path} is not valid JSON`);
  }
  return validateStoredKeys((parsed as { keys?: unknown }).keys, `key ring ${path}`);
}

/**
 * A key ring kept in a JSON file. Instances that share the file pick up a
 * rotation on their own: the file is re-read when it changed (looked at no
 * more than once per `reloadIntervalMs`), and at once when a token names an
 * unknown key id.
 */
export class FileKeyRing extends KeyRing {
  private mtimeMs = 0;
  private checkedAt = 0;

  private constructor(
    clock: Clock,
    private readonly path: string,
    private readonly reloadIntervalMs: number,
  ) {
    super(clock);
  }

  static async open(options: FileKeyRingOptions, clock: Clock): Promise<FileKeyRing> {
    const ring = new FileKeyRing(clock, options.path, options.reloadIntervalMs ?? 1000);
    const exists = await stat(options.path).then(
      () => true,
      () => false,
    );
    if (!exists) {
      if (!options.createIfMissing) {
        throw new AuthError('ERR_AUTH_KEYS', `key ring ${options.path} does not exist (run the key rotation command to create it)`);
      }
      await writeRing(options.path, [await generateStoredKey(clock.now())]);
    }
    await ring.reload();
    return ring;
  }

  private async reload(): Promise<void> {
    const info = await stat(this.path);
    if (info.mtimeMs === this.mtimeMs) return;
    if (info.mode & 0o077) logger.warn(`key ring ${this.path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`);
    await this.replace(await readRing(this.path));
    this.mtimeMs = info.mtimeMs;
  }

  private async maybeReload(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.checkedAt < this.reloadIntervalMs) return;
    // Forced reloads (unknown kid) are rate-limited too, so random kids cannot make every request read the file.
    if (force && now - this.checkedAt < 100) return;
    this.checkedAt = now;
    // The keys in memory keep working; the operator hears why the new file was not taken.
    await this.reload().catch((error: unknown) => logger.warn(`key ring ${this.path} not reloaded: ${(error as Error).message}`));
  }

  override async signingKey(): Promise<SigningKey> {
    await this.maybeReload(false);
    return super.signingKey();
  }

  override async verificationKey(kid: string): Promise<KeyObject | undefined> {
    await this.maybeReload(false);
    return (await super.verificationKey(kid)) ?? (await this.maybeReload(true), super.verificationKey(kid));
  }

  override async publicJwks() {
    await this.maybeReload(false);
    return super.publicJwks();
  }
}

/** What {@link rotateKeyRingFile} did. */
export interface RotationReport {
  newKid: string;
  /** When the new key starts signing. */
  activatesAt: string;
  retiring: { kid: string; retiresAt: string }[];
  removed: string[];
}

/**
 * Adds a new key to the ring file. It is published at once and signs after
 * `publishFirstSeconds` (give relying parties that cache the JWKS time to see
 * it). The keys it replaces keep verifying for `keepOldForSeconds` after
 * that (the access-token lifetime plus a margin) and are dropped by a later
 * rotation. A lock file keeps two rotations from losing each other's key.
 */
export async function rotateKeyRingFile(
  path: string,
  keepOldForSeconds: number,
  clock: Clock,
  publishFirstSeconds = 0,
): Promise<RotationReport> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(lock, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new AuthError('ERR_AUTH_KEYS', `another rotation holds ${lock} (delete it if no rotation is running)`);
    throw error;
  });
  try {
    const now = clock.now();
    const activatesAt = now + publishFirstSeconds * 1000;
    const keys = await readRing(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as StoredKey[];
      throw error;
    });
    const removed = keys.filter((k) => k.retiresAt && Date.parse(k.retiresAt) <= now).map((k) => k.kid);
    const kept = keys
      .filter((k) => !removed.includes(k.kid))
      .map((k) => (k.retiresAt ? k : { ...k, retiresAt: new Date(activatesAt + keepOldForSeconds * 1000).toISOString() }));
    const fresh = { ...(await generateStoredKey(now)), activatesAt: new Date(activatesAt).toISOString() };
    await writeRing(path, [fresh, ...kept]);
    return {
      newKid: fresh.kid,
      activatesAt: fresh.activatesAt,
      retiring: kept.map((k) => ({ kid: k.kid, retiresAt: k.retiresAt as string })),
      removed,
    };
  } finally {
    await handle.close();
    await unlink(lock).catch(() => undefined);
  }
}

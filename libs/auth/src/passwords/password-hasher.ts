import { argon2id, hash, type HashOptions, verify } from 'argon2';
import { AuthError } from '../errors.js';

/** argon2 parameters; `type` must stay argon2id. */
export type Argon2Options = HashOptions & { type: typeof argon2id };

/**
 * argon2id with OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
 */
export const ARGON2ID_OWASP = { type: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes and checks passwords; spends the same work when there is no user to check against. */
export class PasswordHasher {
  private readonly dummy: Promise<string>;

  constructor(private readonly options: Argon2Options = ARGON2ID_OWASP) {
    if (options.type !== argon2id) throw new AuthError('ERR_AUTH_OPTIONS', 'password hashing must use argon2id');
    // Made now, not at the first unknown email: that first miss would cost twice and stand out.
    this.dummy = this.hash('bastion-dummy-password-for-timing');
    this.dummy.catch(() => undefined);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  /** True when `password` matches; false for a mismatch or an unreadable hash. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Verifies against a throwaway hash and returns false: call it when the
   * account does not exist, so that an unknown email costs as much time as
   * a wrong password (no account enumeration by timing, ASVS v5 6.3.8).
   */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(await this.dummy, password);
    return false;
  }
}

import { argon2id, hash, verify } from 'argon2';

/**
 * argon2id with OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
 */
export const ARGON2ID_OWASP = { type: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes and checks passwords; spends the same work when there is no user to check against. */
export class PasswordHasher {
  private dummy?: Promise<string>;

  constructor(private readonly options: typeof ARGON2ID_OWASP = ARGON2ID_OWASP) {}

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
    this.dummy ??= this.hash('bastion-dummy-password-for-timing');
    await this.verify(await this.dummy, password);
    return false;
  }
}

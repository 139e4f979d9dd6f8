import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { AuthError } from '../errors.js';

/** Options of {@link PasswordPolicy}. */
export interface PasswordPolicyOptions {
  /** Fewest characters (Unicode code points). NIST SP 800-63B asks for at least 8; default 12. */
  minLength?: number;
  /** Most characters; bounds the hashing cost of one request. Default 128. */
  maxLength?: number;
  /**
   * Lowest zxcvbn score (0–4) accepted. Default 3 ("safely unguessable:
   * moderate protection from offline slow-hash attacks").
   */
  minStrength?: 0 | 1 | 2 | 3 | 4;
}

let estimator: ZxcvbnFactory | undefined;
let common: Set<string> | undefined;

function loaded(): { estimator: ZxcvbnFactory; common: Set<string> } {
  // ~49,000 passwords seen in breaches (zxcvbn-ts's common dictionary), used
  // twice: as an exact blocklist, and inside the estimator, which also finds
  // them inside longer passwords, keyboard walks, repeats and dates.
  estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  common ??= new Set(dictionary['passwords-common']);
  return { estimator, common };
}

/**
 * NIST SP 800-63B §3.1.1.2 password rules: a length floor and ceiling, no
 * composition rules, and a refusal of passwords known from breaches, of
 * passwords an attacker's dictionary would guess early (zxcvbn's estimate,
 * with the account's email as context), and of the email itself.
 */
export class PasswordPolicy {
  private readonly min: number;
  private readonly max: number;
  private readonly minStrength: number;

  constructor(options: PasswordPolicyOptions = {}) {
    this.min = options.minLength ?? 12;
    this.max = options.maxLength ?? 128;
    this.minStrength = options.minStrength ?? 3;
    if (!Number.isInteger(this.min) || !Number.isInteger(this.max) || this.min < 8 || this.max < this.min || this.max > 1024) {
      throw new AuthError('ERR_AUTH_OPTIONS', 'password policy options need whole numbers 8 <= minLength <= maxLength <= 1024');
    }
    if (![0, 1, 2, 3, 4].includes(this.minStrength)) {
      throw new AuthError('ERR_AUTH_OPTIONS', 'password policy option "minStrength" must be 0, 1, 2, 3 or 4');
    }
  }

  /** Throws `ERR_AUTH_PASSWORD_POLICY` saying which rule `password` breaks. */
  check(password: string, context: { email?: string } = {}): void {
    const length = [...password].length;
    const refuse = (why: string) => {
      throw new AuthError('ERR_AUTH_PASSWORD_POLICY', why);
    };
    if (length < this.min) refuse(`The password must have at least ${this.min} characters`);
    if (length > this.max) refuse(`The password must have at most ${this.max} characters`);
    const lower = password.toLowerCase();
    const { estimator, common } = loaded();
    if (common.has(lower)) refuse('The password is on a list of commonly used passwords');
    const email = context.email?.toLowerCase();
    if (email && (lower === email || lower === email.split('@')[0])) refuse('The password must not be the email address');
    const inputs = email ? [email, ...email.split(/[@.+_-]/).filter((p) => p.length >= 3)] : [];
    if (estimator.check(password, inputs).score < this.minStrength) {
      refuse('The password is too easy to guess: use a longer passphrase of unrelated words');
    }
  }
}

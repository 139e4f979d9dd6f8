import { AuthError } from '../errors';

/** Options of {@link PasswordPolicy}. */
export interface PasswordPolicyOptions {
  /** Fewest characters (Unicode code points). NIST SP 800-63B asks for at least 8; default 12. */
  minLength?: number;
  /** Most characters; bounds the hashing cost of one request. Default 128. */
  maxLength?: number;
}

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  // ~49,000 passwords seen in breaches, from zxcvbn-ts's common dictionary.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  common ??= new Set((require('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> }).dictionary['passwords-common']);
  return common;
}

/**
 * NIST SP 800-63B §3.1.1.2 password rules: a length floor and ceiling, no
 * composition rules, and a refusal of passwords known from breaches and of
 * ones made from the account's own email.
 */
export class PasswordPolicy {
  private readonly min: number;
  private readonly max: number;

  constructor(options: PasswordPolicyOptions = {}) {
    this.min = options.minLength ?? 12;
    this.max = options.maxLength ?? 128;
    if (!Number.isInteger(this.min) || this.min < 8 || this.max < this.min || this.max > 1024) {
      throw new AuthError('ERR_AUTH_OPTIONS', 'password policy options need 8 <= minLength <= maxLength <= 1024');
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
    if (commonPasswords().has(lower)) refuse('The password is on a list of commonly used passwords');
    const email = context.email?.toLowerCase();
    if (email && (lower === email || lower === email.split('@')[0])) refuse('The password must not be the email address');
  }
}

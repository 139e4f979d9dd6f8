import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens of the sign-in and consent forms, bound to one interaction:
 * HMAC-SHA-256 over the interaction's uid and its server-side random `cid`
 * (never sent to the browser), keyed from the cookie keys. Nothing extra is
 * stored, a token is useless for any other interaction, and several instances
 * with the same cookie keys agree (ASVS v5 3.5.1, OWASP CSRF cheat sheet:
 * synchronizer token).
 */
export class InteractionCsrf {
  private readonly key: Buffer;

  constructor(cookieKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(cookieKey, 'utf8'), 'bastion', 'interaction-csrf', 32));
  }

  /** The token for this interaction. */
  token(uid: string, cid: string): string {
    return createHmac('sha256', this.key).update(`${uid}\n${cid}`).digest('base64url');
  }

  /** Whether `presented` is this interaction's token, compared in constant time on equal-length digests. */
  verify(uid: string, cid: string, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(this.token(uid, cid)), digest(presented));
  }
}

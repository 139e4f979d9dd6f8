/** Security events the auth lib observes itself (the app records the rest: logins, logouts, keys made). */
export type AuthEventType = 'refresh.reuse-detected' | 'api-key.rejected' | 'api-key.revoked-used' | 'token.rejected';

/** One such event. Never holds a secret: ids, codes and counts only. */
export interface AuthEvent {
  type: AuthEventType;
  /** The user, when known. */
  userId?: string;
  /** What it concerns: a token family, an API key id… */
  targetId?: string;
  code?: string;
}

/** Receives {@link AuthEvent}s (an audit trail, an alert engine). Must not throw or block. */
export type AuthEventListener = (event: AuthEvent) => void;

import { Logger } from '@nestjs/common';

/** One refused request, for the audit trail. */
export interface AuthzDenial {
  principalId: string;
  role: string;
  action: string;
  subject: string;
  subjectId?: string;
  reason: string;
  at: Date;
  /** The request that was refused, and where it came from. */
  requestId?: string;
  address?: string;
  /** The principal's attributes (its tenant, say), so that the sink can file the denial where it belongs. */
  attributes?: Readonly<Record<string, string>>;
}

/** Where denials go; the audit lib implements it. */
export interface AuthzDenialSink {
  record(denial: AuthzDenial): void;
}

/** Injection token of the {@link AuthzDenialSink}. */
export const AUTHZ_DENIAL_SINK = 'BASTION:AUTHZ_DENIAL_SINK';

/** Until an audit trail is plugged in: one log line per denial. */
export class LogDenialSink implements AuthzDenialSink {
  private readonly logger = new Logger('Authz');

  record(d: AuthzDenial): void {
    this.logger.warn(`denied ${d.action} ${d.subject}${d.subjectId ? ` ${d.subjectId}` : ''} to ${d.role} ${d.principalId}: ${d.reason}`);
  }
}

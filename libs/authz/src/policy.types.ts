/** One CASL rule as data (what a policy stores). */
export interface PolicyRule {
  action: string | string[];
  subject: string | string[];
  fields?: string[];
  /** A Prisma-style condition on the subject; strings `${user.<attr>}` are filled in per principal. */
  conditions?: Record<string, unknown>;
  inverted?: boolean;
  reason?: string;
}

/** The rules of every role, and the version they carry. */
export interface PolicySet {
  version: number;
  roles: Record<string, PolicyRule[]>;
}

/** What rules may name: actions, and each subject's fields. */
export interface PolicySchema {
  actions: string[];
  subjects: Record<string, string[]>;
  /** Principal attributes a condition may reference as `${user.<name>}`. */
  attributes: string[];
}

/** Who asks, as the ability is built for them. */
export interface AuthzPrincipal {
  id: string;
  role: string;
  /** Values for `${user.<name>}` in conditions (tenantId, department…). */
  attributes: Record<string, string>;
  /** What the credential may do; `undefined` means whatever the role allows. */
  scopes?: readonly string[];
  /** The client address, for network restrictions. */
  address?: string;
  /** The request's id, carried into denial records (never part of the ability). */
  requestId?: string;
}

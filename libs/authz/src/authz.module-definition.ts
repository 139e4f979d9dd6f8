import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { NetworkRestriction, ScopeGrants } from './ability.factory.js';
import type { AuthzDenialSink } from './denial-sink.js';
import type { PolicyChangeBus, PolicyStore } from './policy-source.js';
import type { AuthzPrincipal, PolicySchema } from './policy.types.js';

/** Options of {@link AuthzModule}. */
export interface AuthzModuleOptions {
  /** What policies may name. */
  schema: PolicySchema;
  /** Where the policies are loaded from. */
  store: PolicyStore;
  /** Change notifications between instances. Default: within this process only. */
  bus?: PolicyChangeBus;
  /** How often to re-read the store anyway, in case a notification was lost (ms). Default 5000; 0 turns it off. */
  pollIntervalMs?: number;
  /**
   * While no policies are loaded (the store was away at start-up), a request or a readiness probe starts a load
   * attempt, at most one at a time and at most one per this many ms. Default 250.
   */
  retryIntervalMs?: number;
  /** How long such a request waits for that attempt before it is answered 503 (ms). Default 500. */
  loadWaitMs?: number;
  /** The `Retry-After` of that 503, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Who the request is, read fresh (so that a role change applies to the next request). `null`: refused. */
  principalOf(request: unknown): Promise<AuthzPrincipal | null>;
  /** Scope → the (action, subject) pairs it allows; a credential with scopes is limited to them. */
  scopeGrants?: ScopeGrants;
  /** Rules that apply only to clients outside some networks (e.g. policy changes from the admin network only). */
  networkRestrictions?: NetworkRestriction[];
  /** Where denials are recorded. Default: the log. */
  denialSink?: AuthzDenialSink;
}

export const {
  ConfigurableModuleClass: AuthzConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTHZ_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<AuthzModuleOptions>().setClassMethodName('forRoot').build();

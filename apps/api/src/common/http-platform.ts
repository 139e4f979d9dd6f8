import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { AuthErrorFilter } from '@bastion/auth';
import { ConfigError } from '@bastion/config';
import { databaseProblem } from '@bastion/database';
import { createHttpApp, type HttpAppOptions } from '@bastion/http-app';
import { installHttpMetrics, Logger, Metrics } from '@bastion/observability';
import { ProblemDetailsFilter } from '@bastion/problem-details';
import { applySecurityHeaders } from '@bastion/security-headers';
import { BodyLimitGuard, createValidationPipe, JsonShapePipe } from '@bastion/validation';

/** The transport settings an app reads from its environment. */
export interface PlatformSettings {
  HTTP_ADAPTER: 'fastify' | 'express';
  TRUST_PROXY: false | number | string;
  LOG_LEVEL: NonNullable<HttpAppOptions['logLevel']>;
  BODY_LIMIT?: number;
  CORS_ORIGINS?: string[];
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  REQUIRE_HTTPS?: boolean;
}

/** Which of the shared modules an app has (the auth server has neither yet). */
export interface PlatformFeatures {
  /** ObservabilityModule: pino logs and HTTP metrics. */
  observability: boolean;
  /** The auth lib: its AuthErrorFilter renders AuthError. */
  auth: boolean;
  /** The Content-Security-Policy of `/docs` (the API docs UI), when the app serves it. */
  docsCsp?: string;
  /** Runs after the security headers, before any body parser (the auth server mounts oidc-provider here). */
  beforeBodyParsing?: (app: INestApplication) => Promise<void> | void;
}

function readPem(variable: 'TLS_CERT_FILE' | 'TLS_KEY_FILE', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new ConfigError([{ variable, message: `cannot read ${path}` }]);
  }
}

/**
 * The request pipeline every Bastion app shares, in order: adapter (TLS,
 * proxy trust, request id) → security headers, CORS and HTTPS-only (adapter
 * hooks, so unknown routes and refused bodies get them too) → body parsing
 * with the app-wide limit → guards (authentication, rate limits, per-route
 * body limits) → shape checks → DTO validation → handler; errors → problem
 * details.
 */
export async function createPlatformApp(
  root: new (...args: never[]) => unknown,
  s: PlatformSettings,
  features: PlatformFeatures = { observability: true, auth: true },
): Promise<INestApplication> {
  const https = s.TLS_CERT_FILE && s.TLS_KEY_FILE ? { cert: readPem('TLS_CERT_FILE', s.TLS_CERT_FILE), key: readPem('TLS_KEY_FILE', s.TLS_KEY_FILE) } : undefined;
  const app = await createHttpApp(root, {
    adapter: s.HTTP_ADAPTER,
    trustProxy: s.TRUST_PROXY,
    logLevel: s.LOG_LEVEL,
    // Start-up lines wait for the pino logger below, so that they share its format.
    bufferLogs: features.observability,
    bodyLimit: s.BODY_LIMIT,
    https,
    beforeBodyParsing: async (created) => {
      // Counted before any parser: a 413 or a malformed body shows on /metrics too.
      if (features.observability) installHttpMetrics(created, created.get(Metrics));
      await applySecurityHeaders(created, {
        corsOrigins: s.CORS_ORIGINS,
        // Probes of a load balancer may speak plain HTTP on the inside.
        requireHttps: s.REQUIRE_HTTPS ? { exceptPrefixes: ['/health'] } : undefined,
        // The interactive docs UI (when enabled) needs scripts and styles of its own origin.
        relaxedCsp: [{ prefix: '/docs', policy: features.docsCsp ?? "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'" }],
      });
      await features.beforeBodyParsing?.(created);
    },
  });
  // JSON log lines through pino, with the request id and redaction, for Nest's own logging too.
  if (features.observability) app.useLogger(app.get(Logger));
  app.useGlobalGuards(new BodyLimitGuard(app.get(Reflector)));
  // Filters registered later are consulted first: AuthErrorFilter answers
  // AuthError with its WWW-Authenticate challenges, the problem filter the rest.
  // A database that cannot answer (down, restarting, a dropped connection, a statement or pool wait past its
  // limit) is a 503 with Retry-After on every route (RFC 9110 §15.6.4), not a 500: @bastion/database decides which
  // errors those are.
  const filters: object[] = [new ProblemDetailsFilter(app.get(HttpAdapterHost), { mappers: [(error) => databaseProblem(error)] })];
  if (features.auth) filters.push(app.get(AuthErrorFilter));
  app.useGlobalFilters(...(filters as ProblemDetailsFilter[]));
  app.useGlobalPipes(new JsonShapePipe(), createValidationPipe());
  return app;
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { AuthError, type AuthErrorCode } from './errors.js';

const STATUS: Record<AuthErrorCode, number> = {
  ERR_AUTH_OPTIONS: 500,
  ERR_AUTH_KEYS: 500,
  ERR_AUTH_CREDENTIALS_MISSING: 401,
  ERR_AUTH_CREDENTIALS_AMBIGUOUS: 400,
  ERR_AUTH_CREDENTIAL_IN_QUERY: 400,
  ERR_AUTH_TOKEN_INVALID: 401,
  ERR_AUTH_TOKEN_EXPIRED: 401,
  ERR_AUTH_TOKEN_REVOKED: 401,
  ERR_AUTH_ACCOUNT_DISABLED: 401,
  ERR_AUTH_REFRESH_INVALID: 401,
  ERR_AUTH_REFRESH_REUSED: 401,
  ERR_AUTH_API_KEY_INVALID: 401,
  ERR_AUTH_METHOD_NOT_ALLOWED: 401,
  ERR_AUTH_INSUFFICIENT_SCOPE: 403,
  ERR_AUTH_INVALID_CREDENTIALS: 401,
  ERR_AUTH_PASSWORD_POLICY: 400,
  ERR_AUTH_RATE_LIMITED: 429,
  ERR_AUTH_UNAVAILABLE: 503,
};

const TOKEN_ERRORS = new Set<AuthErrorCode>(['ERR_AUTH_TOKEN_INVALID', 'ERR_AUTH_TOKEN_EXPIRED', 'ERR_AUTH_TOKEN_REVOKED']);

/** Quoted-string of RFC 9110 §5.6.4: no quotes or backslashes survive. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/**
 * Renders {@link AuthError} as RFC 9457 problem details with the headers
 * the RFCs ask for: `WWW-Authenticate` (RFC 6750 §3: `invalid_token`,
 * `invalid_request`, `insufficient_scope`) and `Retry-After` on 429. Server-side
 * codes (`ERR_AUTH_KEYS`, `ERR_AUTH_OPTIONS`) become a bare 500.
 */
@Catch(AuthError)
export class AuthErrorFilter implements ExceptionFilter {
  private readonly realm: string;
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
  ) {
    this.realm = options.realm ?? 'bastion';
  }

  catch(error: AuthError, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ url?: string; originalUrl?: string; id?: unknown }>();
    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const status = STATUS[error.code] ?? 500;
    const serverSide = status >= 500;
    if (status === 503) adapter.setHeader(response, 'Retry-After', '5');
    if (serverSide) this.logger.error(`${error.code}: ${error.message}`, error.cause instanceof Error ? error.cause.stack : undefined);

    const challenge = this.challenge(error);
    if (challenge) adapter.setHeader(response, 'WWW-Authenticate', challenge);
    if (error.details.retryAfterSeconds !== undefined) adapter.setHeader(response, 'Retry-After', String(error.details.retryAfterSeconds));
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.setHeader(response, 'content-type', 'application/problem+json');
    const body = {
      type: 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: status === 503 ? error.message : serverSide ? 'The server could not complete the request.' : error.message,
      instance: (request.originalUrl ?? request.url ?? '').split('?')[0] ?? '',
      ...(serverSide && status !== 503 ? {} : { code: error.code }),
      ...(typeof request.id === 'string' ? { requestId: request.id } : {}),
    };
    adapter.reply(response, JSON.stringify(body), status);
  }

  /** The `WWW-Authenticate` value for `error`, or none. Override to add schemes. */
  protected challenge(error: AuthError): string | undefined {
    const realm = `realm=${quoted(this.realm)}`;
    const methods = error.details.methods ?? ['jwt'];
    // First-party and external access tokens are both Bearer tokens (RFC 6750).
    const bearerMethods = methods.some((m) => m !== 'api-key');
    const apiKey = `ApiKey ${realm}, header="X-API-Key"`;
    const bearer = (extra = '') => `Bearer ${realm}${extra}`;
    switch (error.code) {
      case 'ERR_AUTH_INSUFFICIENT_SCOPE': {
        const scope = `error="insufficient_scope", scope=${quoted((error.details.scopes ?? []).join(' '))}`;
        return bearerMethods ? bearer(`, ${scope}`) : `ApiKey ${realm}, header="X-API-Key", ${scope}`;
      }
      case 'ERR_AUTH_API_KEY_INVALID':
        return apiKey;
      case 'ERR_AUTH_ACCOUNT_DISABLED':
        return bearerMethods ? bearer(`, error="invalid_token", error_description=${quoted(error.message)}`) : apiKey;
      case 'ERR_AUTH_CREDENTIALS_AMBIGUOUS':
      case 'ERR_AUTH_CREDENTIAL_IN_QUERY':
        return bearer(`, error="invalid_request", error_description=${quoted(error.message)}`);
      case 'ERR_AUTH_CREDENTIALS_MISSING':
      case 'ERR_AUTH_METHOD_NOT_ALLOWED':
      case 'ERR_AUTH_INVALID_CREDENTIALS':
      case 'ERR_AUTH_REFRESH_INVALID':
      case 'ERR_AUTH_REFRESH_REUSED':
        return [bearerMethods ? bearer() : undefined, methods.includes('api-key') ? apiKey : undefined].filter(Boolean).join(', ');
      default:
        return TOKEN_ERRORS.has(error.code) ? bearer(`, error="invalid_token", error_description=${quoted(error.message)}`) : undefined;
    }
  }
}

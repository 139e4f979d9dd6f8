import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { ProblemException } from './problem.exception.js';

/** The media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

// Errors raised before Nest's handlers by the HTTP stack (Express's
// body-parser, Fastify's content parsers) carry a 4xx `status`/`statusCode`
// and a `type`/`code`; their messages can name internals, so each known kind
// gets a fixed detail.
const CLIENT_ERROR_DETAILS: Record<string, string> = {
  'entity.parse.failed': 'The body is not valid JSON',
  'entity.too.large': 'The body is too large',
  'encoding.unsupported': 'The body encoding is not supported',
  'charset.unsupported': 'The body charset is not supported',
  'content-type.unsupported': 'The content type is not supported',
  'entity.empty': 'The body is empty but content-type is application/json',
  'request.aborted': 'The request was aborted',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty but content-type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The content type is not supported',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The content length does not match the body',
};

function clientErrorOf(exception: unknown): { status: number; detail: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as { status?: unknown; statusCode?: unknown; type?: unknown; code?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  const kind = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : '';
  return { status, detail: CLIENT_ERROR_DETAILS[kind] ?? 'The request could not be read' };
}

/** The JSON body the filter sends. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code?: string;
  requestId?: string;
  [extension: string]: unknown;
}

// Members of an HttpException's response object that are copied into the
// problem: an allowlist, so that an object thrown with internals in it cannot
// leak them.
const PASSED_MEMBERS = ['code', 'checks', 'errors'] as const;

/**
 * What a {@link ProblemMapper} answers for an error it recognises: the status and members of the problem, response
 * headers (e.g. `Retry-After`), and the line to log instead of the stack. Keep `detail` free of internals.
 */
export interface MappedProblem {
  status: number;
  detail: string;
  code?: string;
  headers?: Record<string, string>;
  /** Logged (as a warning for a 5xx) with the request id; never sent. */
  log?: string;
}

/**
 * Recognises an error that is not an `HttpException` (a database driver's, a client library's) and says how to
 * answer it; `undefined` leaves it to the filter (a 500). `@bastion/database`'s `databaseProblem` is one: it turns
 * "database unavailable" into a 503 with `Retry-After`.
 */
export type ProblemMapper = (exception: unknown) => MappedProblem | undefined;

/** Options of {@link ProblemDetailsFilter}. */
export interface ProblemDetailsOptions {
  /** Consulted in order for any error that is not an `HttpException`; the first answer wins. */
  mappers?: ProblemMapper[];
}

interface RequestLike {
  url?: string;
  originalUrl?: string;
  id?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Turns every error into an `application/problem+json` response.
 * HttpExceptions keep their status and message; anything else becomes a
 * 500 whose body says nothing of the cause, while the log line keeps it.
 * Works on Express and Fastify.
 *
 * @example
 * app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost)));
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  private readonly mappers: ProblemMapper[];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    options: ProblemDetailsOptions = {},
  ) {
    this.mappers = options.mappers ?? [];
    if (!Array.isArray(this.mappers) || this.mappers.some((m) => typeof m !== 'function')) {
      throw new Error('problem-details option "mappers" must be an array of functions');
    }
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<RequestLike>();
    const response = ctx.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    const mapped = exception instanceof HttpException ? undefined : this.map(exception);
    const body = mapped ? this.mappedProblem(mapped, request) : this.toProblem(exception, request);
    // The id of this request, as in the log line and the X-Request-Id header.
    if (typeof request.id === 'string') body.requestId = request.id;
    const ref = body.requestId ? ` [${body.requestId}]` : '';
    if (mapped) {
      // A known condition (e.g. the database is down): one line saying what failed, no stack per request.
      if (body.status >= 500) this.logger.warn(`${body.status} ${body.instance}${ref}: ${mapped.log ?? body.detail}`);
      for (const [name, value] of Object.entries(mapped.headers ?? {})) adapter.setHeader(response, name, value);
    } else if (!(exception instanceof HttpException)) {
      // Unexpected: the whole error goes to the log, nothing of it to the client.
      this.logger.error(`${body.status} ${body.instance}${ref}`, exception instanceof Error ? exception.stack : String(exception));
    } else if (body.status >= 500) {
      this.logger.warn(`${body.status} ${body.instance}${ref}: ${body.detail}`);
    }
    adapter.setHeader(response, 'content-type', PROBLEM_CONTENT_TYPE);
    adapter.reply(response, JSON.stringify(body), body.status);
  }

  private map(exception: unknown): MappedProblem | undefined {
    for (const mapper of this.mappers) {
      try {
        const mapped = mapper(exception);
        if (mapped && Number.isInteger(mapped.status) && mapped.status >= 400 && mapped.status <= 599) return mapped;
      } catch (error) {
        // A faulty mapper must not turn an error response into no response.
        this.logger.error(`a problem mapper threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return undefined;
  }

  private mappedProblem(mapped: MappedProblem, request: RequestLike): ProblemBody {
    const instance = (request.originalUrl ?? request.url ?? '').split('?')[0] ?? '';
    return {
      type: 'about:blank',
      title: STATUS_CODES[mapped.status] ?? 'Error',
      status: mapped.status,
      detail: mapped.detail,
      instance,
      ...(mapped.code ? { code: mapped.code } : {}),
    };
  }

  /** Builds the body; override to add members (keep them free of internals). */
  protected toProblem(exception: unknown, request: RequestLike): ProblemBody {
    // The path only: a query string may carry secrets.
    const instance = (request.originalUrl ?? request.url ?? '').split('?')[0] ?? '';
    if (exception instanceof ProblemException) {
      const { type, title, detail, code, extensions } = exception.problem;
      const status = exception.getStatus();
      return {
        ...extensions,
        type: type ?? 'about:blank',
        title: title ?? STATUS_CODES[status] ?? 'Error',
        status,
        detail,
        instance,
        ...(code ? { code } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : (res as { message?: unknown }).message;
      let detail =
        typeof message === 'string' ? message : Array.isArray(message) ? message.join('; ') : exception.message;
      // The router's own 404 repeats the raw URL, query string (and any secret in it) included.
      if (status === 404 && /^Cannot [A-Z]+ /.test(detail)) detail = 'No route matches this path.';
      const extensions: Record<string, unknown> = {};
      if (typeof res === 'object' && res !== null) {
        for (const key of PASSED_MEMBERS) {
          if (Object.hasOwn(res, key)) extensions[key] = (res as Record<string, unknown>)[key];
        }
      }
      return { ...extensions, type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, instance };
    }
    const clientError = clientErrorOf(exception);
    if (clientError) {
      return { type: 'about:blank', title: STATUS_CODES[clientError.status] ?? 'Error', status: clientError.status, detail: clientError.detail, instance };
    }
    return {
      type: 'about:blank',
      title: STATUS_CODES[500] as string,
      status: 500,
      detail: 'The server could not complete the request.',
      instance,
    };
  }
}

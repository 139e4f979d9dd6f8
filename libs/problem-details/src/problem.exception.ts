import { HttpException } from '@nestjs/common';

/** RFC 9457 members a {@link ProblemException} may carry besides status. */
export interface ProblemInit {
  /** A URI naming the problem type; default `about:blank`. */
  type?: string;
  /** Short summary; default the HTTP status text. */
  title?: string;
  /** What went wrong for this request, safe to show the client. */
  detail: string;
  /** Stable machine-readable code, e.g. `ERR_NOT_READY`. */
  code?: string;
  /** Extra members, already free of secrets and internals. */
  extensions?: Record<string, unknown>;
}

/**
 * An HTTP error that {@link ProblemDetailsFilter} renders as RFC 9457 problem details.
 *
 * @example
 * throw new ProblemException(409, { detail: 'The email is taken', code: 'ERR_EMAIL_TAKEN' });
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly problem: ProblemInit,
    options?: { cause?: unknown },
  ) {
    super(problem.detail, status, options);
  }
}

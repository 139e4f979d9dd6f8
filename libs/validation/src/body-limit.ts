import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  PayloadTooLargeException,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/** Metadata key of {@link BodyLimit}. */
export const BODY_LIMIT_KEY = 'BASTION:BODY_LIMIT';

/**
 * A smaller body limit for one route (or controller) than the app-wide one
 * the HTTP adapter enforces; a method's setting overrides its class's.
 * Raising a limit above the app-wide one means raising that one.
 *
 * @example @BodyLimit(2 * 1024) @Post('login') login() {}
 */
export const BodyLimit = (bytes: number) => {
  if (!Number.isInteger(bytes) || bytes < 1) throw new Error('@BodyLimit needs a whole number of bytes >= 1');
  return SetMetadata(BODY_LIMIT_KEY, bytes);
};

/**
 * Refuses a body larger than the route's `@BodyLimit` with 413, from the
 * Content-Length the client declared (a body without one is bounded by the
 * adapter's limit, and then measured here once parsed).
 */
@Injectable()
export class BodyLimitGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const limit = this.reflector.getAllAndOverride<number>(BODY_LIMIT_KEY, [context.getHandler(), context.getClass()]);
    if (limit === undefined) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; body?: unknown }>();
    const declared = Number(request.headers['content-length'] ?? NaN);
    const size = Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(request.body ?? ''));
    if (size > limit) {
      throw new PayloadTooLargeException({ message: `The body may be at most ${limit} bytes on this route`, code: 'ERR_BODY_TOO_LARGE' });
    }
    return true;
  }
}

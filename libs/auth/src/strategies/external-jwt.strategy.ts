import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from '../auth.module-definition.js';
import { AuthError } from '../errors.js';
import type { ExternalTokenVerifier } from '../principal.js';

const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * The `oidc` passport strategy: a bearer access token of another issuer,
 * verified by the module's {@link ExternalTokenVerifier}
 * (`externalTokens`). Like {@link JwtStrategy}, passport-jwt only extracts
 * the token; its own verification is never used.
 */
@Injectable()
export class ExternalJwtStrategy extends PassportStrategy(Strategy, 'oidc') {
  private readonly verifier?: ExternalTokenVerifier;
  private readonly onEvent: NonNullable<AuthModuleOptions['onEvent']>;

  constructor(@Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions) {
    super({
      jwtFromRequest: fromBearer,
      secretOrKeyProvider: (_req: unknown, _token: unknown, done: (e: Error) => void) => done(new Error('unused')),
    });
    this.verifier = options.externalTokens;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  override authenticate(req: Parameters<typeof fromBearer>[0]): void {
    const token = fromBearer(req);
    if (!token || !this.verifier) {
      this.fail(new AuthError('ERR_AUTH_TOKEN_INVALID', 'The access token is invalid'), 401);
      return;
    }
    this.verifier.verify(token).then(
      (principal) => this.success({ ...principal, method: 'oidc' }),
      (error: unknown) => {
        if (!(error instanceof AuthError)) return this.error(error as Error);
        this.onEvent({ type: 'token.rejected', code: error.code });
        this.fail(error, 401);
      },
    );
  }

  /** Unused: `authenticate` builds the principal itself. */
  validate(): never {
    throw new Error('ExternalJwtStrategy.validate is not used');
  }
}

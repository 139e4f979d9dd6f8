import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from '../auth.module-definition.js';
import { AuthError } from '../errors.js';
import type { AuthPrincipal } from '../principal.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { TOKEN_DENY_LIST, type TokenDenyList } from '../tokens/token-deny-list.js';
import { RevocationList } from '../revocation/revocation-list.js';

const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * The `jwt` passport strategy. passport-jwt finds the bearer token, but its
 * own verification (jsonwebtoken) is bypassed: `authenticate` hands the token
 * to {@link AccessTokenService}, which verifies it with jose once, with the
 * RFC 9068 `typ` check jsonwebtoken cannot do, then checks the deny list.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly attributeClaims: readonly string[];
  private readonly denyListFailOpen: boolean;
  private readonly onEvent: NonNullable<AuthModuleOptions['onEvent']>;
  private readonly logger = new Logger('JwtStrategy');
  private warnedAt = 0;

  constructor(
    private readonly tokens: AccessTokenService,
    @Inject(TOKEN_DENY_LIST) private readonly denyList: TokenDenyList,
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    private readonly revocations: RevocationList,
  ) {
    super({
      jwtFromRequest: fromBearer,
      // Never consulted: authenticate() below does the verification.
      secretOrKeyProvider: (_req: unknown, _token: unknown, done: (e: Error) => void) => done(new Error('unused')),
    });
    this.attributeClaims = options.attributeClaims ?? [];
    this.denyListFailOpen = options.failOpen?.denyList ?? false;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  override authenticate(req: Parameters<typeof fromBearer>[0]): void {
    const token = fromBearer(req);
    if (!token) {
      this.fail(new AuthError('ERR_AUTH_CREDENTIALS_MISSING', 'A bearer token is required'), 401);
      return;
    }
    this.principalOf(token).then(
      (principal) => this.success(principal),
      (error: unknown) => {
        if (!(error instanceof AuthError)) return this.error(error as Error);
        this.onEvent({ type: 'token.rejected', code: error.code });
        this.fail(error, 401);
      },
    );
  }

  /** Unused: `authenticate` builds the principal itself. */
  validate(): never {
    throw new Error('JwtStrategy.validate is not used');
  }

  private async isDenied(jti: string): Promise<boolean> {
    try {
      return await this.denyList.isDenied(jti);
    } catch (error) {
      const now = Date.now();
      if (now - this.warnedAt > 60_000) {
        this.warnedAt = now;
        this.logger.error(`deny list failed (${this.denyListFailOpen ? 'accepting' : 'refusing'} tokens): ${(error as Error).message}`);
      }
      if (this.denyListFailOpen) return false;
      throw new AuthError('ERR_AUTH_UNAVAILABLE', 'Token checks are temporarily unavailable; try again shortly', { cause: error });
    }
  }

  private async principalOf(token: string): Promise<AuthPrincipal> {
    const { payload } = await this.tokens.verify(token);
    // A disabled account first: every credential of it gets the one code, whatever else is revoked.
    if (this.revocations.verdict({ sub: payload.sub }) === 'ERR_AUTH_ACCOUNT_DISABLED') {
      throw new AuthError('ERR_AUTH_ACCOUNT_DISABLED', 'The account is disabled');
    }
    if (await this.isDenied(payload.jti)) {
      throw new AuthError('ERR_AUTH_TOKEN_REVOKED', 'The access token has been revoked');
    }
    const attributes: Record<string, string> = {};
    for (const claim of this.attributeClaims) {
      const value = payload[claim];
      if (typeof value === 'string') attributes[claim] = value;
    }
    return {
      sub: payload.sub,
      method: 'jwt',
      scopes: typeof payload.scope === 'string' && payload.scope !== '' ? payload.scope.split(' ') : [],
      attributes,
      tokenId: payload.jti,
      // OIDC Front-Channel Logout §3 names the session claim `sid`; revoking a session refuses its tokens.
      ...(typeof payload.sid === 'string' && payload.sid !== '' ? { sessionId: payload.sid } : {}),
      expiresAt: payload.exp * 1000,
      // Required by the verifier (RFC 9068 §2.2).
      issuedAt: (payload.iat ?? 0) * 1000,
    };
  }
}

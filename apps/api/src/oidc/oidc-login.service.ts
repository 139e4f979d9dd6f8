import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PasswordHasher } from '@bastion/auth';
import { PrismaService, type User } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import { generators, type IdTokenClaims } from 'openid-client';
import { SecurityEvents } from '../audit/security-events.service';
import { LoginCodeService } from '../auth/login-code.service';
import type { ClientRequest } from '../common/client-request';
import { oidcConfig } from '../config';
import type { OidcLoginProvider } from '../config/oidc.config';
import { OidcClients } from './oidc-clients';

/** The cookie that ties a login's callback to the browser that started it. */
export const OIDC_BROWSER_COOKIE = 'bastion_oidc';
/** How long a started login may take at the provider. */
const LOGIN_TTL_MS = 10 * 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function problem(status: number, code: string, detail: string): ProblemException {
  return new ProblemException(status, { detail, code });
}

/** What the callback query may carry; anything else is ignored, never echoed. */
export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
}

/**
 * OIDC login for browser apps with openid-client: authorization code with
 * PKCE S256, `state` and `nonce` (RFC 9700 §2.1.1, OIDC Core §3.1.2.1), the
 * login bound to the browser that started it by an HttpOnly cookie (login
 * CSRF, RFC 9700 §4.7), the ID token validated by openid-client, the user
 * found by (issuer, sub) or by a verified email, and a one-time login code
 * (never a token) in the redirect back to the app.
 */
@Injectable()
export class OidcLoginService {
  constructor(
    private readonly clients: OidcClients,
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly loginCodes: LoginCodeService,
    private readonly events: SecurityEvents,
    @Inject(oidcConfig.KEY) private readonly cfg: ConfigType<typeof oidcConfig>,
  ) {}

  /** Starts a login: the provider's authorization URL, and the browser cookie value to set. */
  async start(providerName: string, req: ClientRequest): Promise<{ url: string; browser: string; secure: boolean }> {
    const p = this.clients.provider(providerName);
    if (!p) {
      this.refused(req, providerName, 'unknown-provider');
      throw problem(400, 'ERR_OIDC_UNKNOWN_PROVIDER', 'No such login provider');
    }
    const client = await this.clients.client(p);
    const state = generators.state();
    const nonce = generators.nonce();
    const codeVerifier = generators.codeVerifier();
    const browser = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.prisma.oidcLoginState.create({
      data: { stateHash: sha256(state), provider: p.name, nonce, codeVerifier, browserHash: sha256(browser), expiresAt: new Date(now + LOGIN_TTL_MS) },
    });
    await this.prisma.oidcLoginState.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
    const url = client.authorizationUrl({
      scope: p.scope,
      state,
      nonce,
      // RFC 7636 / RFC 9700 §2.1.1: PKCE with S256, never plain.
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      redirect_uri: p.redirectUri,
    });
    return { url, browser, secure: p.redirectUri.startsWith('https:') };
  }

  /**
   * Finishes a login at the callback: the URL to send the browser to, with a
   * one-time login code. Every refusal is a 4xx problem and an audit event.
   */
  async finish(query: CallbackQuery, browser: string | undefined, req: ClientRequest): Promise<string> {
    if (typeof query.state !== 'string' || query.state.length === 0 || query.state.length > 256) {
      this.refused(req, undefined, 'state-missing');
      throw problem(400, 'ERR_OIDC_STATE_INVALID', 'The login state is missing or invalid');
    }
    const stateHash = sha256(query.state);
    const pending = await this.prisma.oidcLoginState.findUnique({ where: { stateHash } });
    // Used once: of a callback and its replay, only one deletes the row (RFC 9700 §4.5.3).
    const { count } = await this.prisma.oidcLoginState.deleteMany({ where: { stateHash } });
    if (!pending || count !== 1 || pending.expiresAt.getTime() <= Date.now()) {
      this.refused(req, pending?.provider, 'state-unknown-used-or-expired');
      throw problem(400, 'ERR_OIDC_STATE_INVALID', 'The login state is unknown, used or expired; start the login again');
    }
    // The callback must come to the browser that started this login (login CSRF, RFC 9700 §4.7.1).
    const presented = Buffer.from(sha256(browser ?? ''), 'hex');
    if (!browser || !timingSafeEqual(presented, Buffer.from(pending.browserHash, 'hex'))) {
      this.refused(req, pending.provider, 'browser-mismatch');
      throw problem(400, 'ERR_OIDC_STATE_INVALID', 'This login was not started in this browser; start it again');
    }
    const p = this.clients.provider(pending.provider);
    if (!p) throw problem(400, 'ERR_OIDC_STATE_INVALID', 'The login state is unknown, used or expired; start the login again');
    if (typeof query.error === 'string') {
      this.refused(req, p.name, 'provider-error', { error: query.error.slice(0, 64) });
      throw problem(400, 'ERR_OIDC_LOGIN_FAILED', 'The identity provider did not sign you in');
    }
    const client = await this.clients.client(p);
    let claims: IdTokenClaims;
    try {
      const params: Record<string, string> = {};
      for (const key of ['code', 'state', 'iss'] as const) if (typeof query[key] === 'string') params[key] = query[key] as string;
      // openid-client checks state, sends the PKCE verifier, and validates the ID token:
      // signature and alg, iss, aud, azp, exp, iat and nonce (OIDC Core §3.1.3.7).
      const tokens = await client.callback(p.redirectUri, params, { state: query.state, nonce: pending.nonce, code_verifier: pending.codeVerifier, response_type: 'code' });
      if (!tokens.id_token) throw new Error('no ID token');
      claims = tokens.claims();
    } catch (error) {
      this.refused(req, p.name, 'token-or-id-token-rejected', { error: (error as Error).name });
      throw problem(400, 'ERR_OIDC_LOGIN_FAILED', 'The sign-in could not be completed; start it again');
    }
    const issuer = claims.iss;
    const user = await this.userFor(p, issuer, claims, req);
    if (user.status !== 'active') {
      this.refused(req, p.name, 'account-disabled', undefined, user.id);
      throw problem(403, 'ERR_OIDC_ACCOUNT_DISABLED', 'The account is disabled');
    }
    const code = await this.loginCodes.issue(user.id, `oidc:${p.name}`);
    this.events.record({ action: 'auth.login', outcome: 'success', actorId: user.id, actorType: 'user', tenantId: user.tenantId, details: { method: 'oidc', provider: p.name } }, req);
    const back = new URL(this.cfg.OIDC_LOGIN_RETURN_URL);
    back.searchParams.set('code', code);
    return back.toString();
  }

  /**
   * The user of a verified ID token: by its (issuer, sub) link; else by a
   * verified email (linked now, if in the provider's tenant and of a domain
   * the provider is trusted for); else a new user
   * in the provider's tenant. An unverified email links and provisions
   * nothing: anyone can put any address in an account at some providers.
   */
  private async userFor(p: OidcLoginProvider, issuer: string, claims: IdTokenClaims, req: ClientRequest): Promise<User> {
    const link = await this.prisma.federatedIdentity.findUnique({ where: { issuer_subject: { issuer, subject: claims.sub } }, include: { user: true } });
    if (link) {
      await this.prisma.federatedIdentity.update({ where: { id: link.id }, data: { lastLoginAt: new Date() } });
      return link.user;
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined;
    // OIDC Core §5.7: only an email the provider has verified may identify an account.
    if (!email || claims.email_verified !== true || email.length > 254) {
      this.refused(req, p.name, 'email-not-verified');
      throw problem(403, 'ERR_OIDC_EMAIL_UNVERIFIED', 'The identity provider has not verified your email address');
    }
    const tenant = await this.prisma.tenant.findUnique({ where: { slug: p.tenant }, select: { id: true } });
    if (!tenant) throw problem(503, 'ERR_OIDC_PROVIDER_UNAVAILABLE', 'The login provider is not set up; try again later');
    const existing = await this.prisma.user.findUnique({ where: { email } });
    if (existing) {
      // A provider is trusted for its own tenant only.
      if (existing.tenantId !== tenant.id) {
        this.refused(req, p.name, 'other-tenant', undefined, existing.id);
        throw problem(403, 'ERR_OIDC_ACCOUNT_CONFLICT', 'This account cannot sign in with this provider');
      }
      // Step: a provider links an existing account only for the email domains its tenant trusts it with
      // (trustedDomains): anyone can hold a verified address of any domain at a public provider, and
      // linking by it would hand them the local account (better-auth #11321; ASVS v5 10.5.2).
      const domain = email.slice(email.lastIndexOf('@') + 1);
      if (!p.trustedDomains.includes(domain)) {
        this.refused(req, p.name, 'domain-not-trusted', { domain: domain.slice(0, 253) }, existing.id);
        throw problem(403, 'ERR_OIDC_LINK_NOT_TRUSTED', 'This account cannot be linked to this provider; sign in another way');
      }
      await this.prisma.federatedIdentity.create({ data: { issuer, subject: claims.sub, userId: existing.id, provider: p.name, lastLoginAt: new Date() } });
      this.events.record({ action: 'auth.oidc.link', outcome: 'success', actorId: existing.id, actorType: 'user', tenantId: existing.tenantId, details: { provider: p.name } }, req);
      return existing;
    }
    // Just-in-time provisioning: a viewer in the provider's tenant, with a password nobody knows.
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : email.split('@')[0];
    const created = await this.prisma.user.create({
      data: {
        email,
        tenantId: tenant.id,
        displayName: (name ?? 'user').slice(0, 100),
        department: 'unassigned',
        role: 'viewer',
        passwordHash: await this.hasher.hash(randomBytes(32).toString('base64url')),
        federatedIdentities: { create: { issuer, subject: claims.sub, provider: p.name, lastLoginAt: new Date() } },
      },
    });
    this.events.record({ action: 'auth.oidc.provision', outcome: 'success', actorId: created.id, actorType: 'user', tenantId: created.tenantId, target: { type: 'user', id: created.id }, details: { provider: p.name } }, req);
    return created;
  }

  private refused(req: ClientRequest, provider: string | undefined, reason: string, extra?: Record<string, unknown>, userId?: string): void {
    this.events.record(
      { action: 'auth.oidc.login', outcome: 'failure', actorId: userId, actorType: userId ? 'user' : 'anonymous', details: { provider: provider?.slice(0, 64), reason, ...extra } },
      req,
    );
  }
}

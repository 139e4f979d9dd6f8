import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, type AuditEventInput } from '@bastion/audit';
import { AuthError, LoginAttemptLimiter, PasswordHasher } from '@bastion/auth';
import { PrismaService } from '@bastion/database';
import { ProblemException } from '@bastion/problem-details';
import type { default as Provider, InteractionResults } from 'oidc-provider';
import { consentPage, loginPage, originOf, pageCsp } from '../oidc/pages';
import { INTERACTION_CSRF, OIDC_PROVIDER } from '../oidc/oidc.tokens';
import type { InteractionCsrf } from './csrf';

/** What a handler answers: a page, or a redirect back into oidc-provider. */
export type InteractionReply =
  | { kind: 'page'; status: number; html: string; csp: string; headers?: Record<string, string> }
  | { kind: 'redirect'; location: string };

/** The raw Node request and response, which oidc-provider reads its interaction cookie from. */
export interface RawExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The client address as the HTTP adapter sees it (proxy trust applied). */
  ip: string;
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

const INVALID_LOGIN = 'The email or password is incorrect.';

/**
 * The sign-in and consent steps of oidc-provider's interactions. Users are
 * Bastion's users (argon2id hashes in `users`), with the API's failed-login
 * limits (same LoginAttemptLimiter, same settings, same Redis).
 */
@Injectable()
export class InteractionService {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Provider,
    @Inject(INTERACTION_CSRF) private readonly csrf: InteractionCsrf,
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginAttemptLimiter,
    private readonly audit: AuditTrail,
  ) {}

  /** Into the API's audit trail, marked as coming from the sign-in form of this server. */
  private record(event: Omit<AuditEventInput, 'actorType'> & { actorType?: string }, x: RawExchange, clientId: unknown): void {
    this.audit.record({
      actorType: 'anonymous',
      ...event,
      clientAddress: x.ip || null,
      userAgent: typeof x.req.headers['user-agent'] === 'string' ? x.req.headers['user-agent'] : null,
      details: { via: 'oidc', clientId: typeof clientId === 'string' ? clientId : null, ...event.details },
    });
  }

  /** GET /interaction/:uid: the form the interaction's prompt asks for. */
  async show(uid: string, x: RawExchange): Promise<InteractionReply> {
    const interaction = await this.load(uid, x);
    if (interaction.prompt.name === 'login') return this.loginForm(interaction, 200);
    if (interaction.prompt.name === 'consent') return this.consentForm(interaction);
    throw new ProblemException(400, { detail: 'This sign-in step is not supported', code: 'ERR_INTERACTION_PROMPT' });
  }

  /** POST /interaction/:uid/login. */
  async login(uid: string, form: { csrf?: string; email: string; password: string }, x: RawExchange): Promise<InteractionReply> {
    const interaction = await this.load(uid, x);
    this.checkCsrf(interaction, form.csrf, x);
    if (interaction.prompt.name !== 'login') throw new ProblemException(400, { detail: 'This interaction does not ask for a sign-in', code: 'ERR_INTERACTION_PROMPT' });
    const email = form.email.trim().toLowerCase();
    const clientId = interaction.params.client_id;
    // The account goes to the audit trail as a hash, as in the API: a password typed into the email field must not be stored.
    const account = { targetType: 'account', targetId: createHash('sha256').update(email).digest('hex').slice(0, 16) };
    let attempt;
    try {
      // Counted before the password is checked (ASVS v5 6.3.1): the same limits as POST /v1/auth/login.
      attempt = await this.limiter.begin(email, x.ip);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'ERR_AUTH_RATE_LIMITED') {
        this.record({ action: 'rate-limit.exceeded', outcome: 'denied', ...account, details: { limit: 'login' } }, x, clientId);
        const retry = String((error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60);
        return { ...(await this.loginForm(interaction, 429, 'Too many failed sign-in attempts; try again later.', email)), headers: { 'retry-after': retry } };
      }
      if (error instanceof AuthError && error.code === 'ERR_AUTH_UNAVAILABLE') return this.loginForm(interaction, 503, 'Sign-in is temporarily unavailable; try again shortly.', email);
      throw error;
    }
    const user = await this.prisma.user.findUnique({ where: { email } });
    // An unknown email costs the same argon2id work as a wrong password (ASVS v5 6.3.8).
    const ok = user ? await this.hasher.verify(user.passwordHash, form.password) : await this.hasher.verifyNothing(form.password);
    if (!user || !ok || user.status !== 'active') {
      await attempt.failed();
      this.record({ action: 'auth.login', outcome: 'failure', actorType: user ? 'user' : 'anonymous', actorId: user?.id ?? null, tenantId: user?.tenantId ?? null, ...account }, x, clientId);
      return this.loginForm(interaction, 401, INVALID_LOGIN, email);
    }
    await attempt.succeeded();
    this.record({ action: 'auth.login', outcome: 'success', actorType: 'user', actorId: user.id, tenantId: user.tenantId }, x, clientId);
    return this.finish(x, { login: { accountId: user.id } });
  }

  /** POST /interaction/:uid/confirm: grants what the consent page showed. */
  async confirm(uid: string, form: { csrf?: string }, x: RawExchange): Promise<InteractionReply> {
    const interaction = await this.load(uid, x);
    this.checkCsrf(interaction, form.csrf, x);
    if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) {
      throw new ProblemException(400, { detail: 'This interaction does not ask for consent', code: 'ERR_INTERACTION_PROMPT' });
    }
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const grant = interaction.grantId
      ? await this.provider.Grant.find(interaction.grantId)
      : new this.provider.Grant({ accountId: interaction.session.accountId, clientId: interaction.params.client_id as string });
    if (!grant) throw new ProblemException(400, { detail: 'The sign-in has expired; start again', code: 'ERR_INTERACTION_EXPIRED' });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    this.record(
      { action: 'oauth.consent', outcome: 'success', actorType: 'user', actorId: interaction.session.accountId, details: { scopes: [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()] } },
      x,
      interaction.params.client_id,
    );
    return this.finish(x, { consent: interaction.grantId ? {} : { grantId } });
  }

  /** POST /interaction/:uid/abort: the user cancelled; the client gets access_denied. */
  async abort(uid: string, form: { csrf?: string }, x: RawExchange): Promise<InteractionReply> {
    const interaction = await this.load(uid, x);
    this.checkCsrf(interaction, form.csrf, x);
    this.record({ action: 'oauth.consent', outcome: 'denied', actorType: interaction.session?.accountId ? 'user' : 'anonymous', actorId: interaction.session?.accountId ?? null }, x, interaction.params.client_id);
    return this.finish(x, { error: 'access_denied', error_description: 'The user did not sign in or did not allow access' }, false);
  }

  /** The interaction named by the cookie, which must be the one in the URL. */
  private async load(uid: string, x: RawExchange): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await this.provider.interactionDetails(x.req, x.res);
    } catch {
      throw new ProblemException(400, { detail: 'The sign-in has expired or was not started here; start again from the application', code: 'ERR_INTERACTION_EXPIRED' });
    }
    if (interaction.uid !== uid) throw new ProblemException(400, { detail: 'The sign-in has expired or was not started here; start again from the application', code: 'ERR_INTERACTION_EXPIRED' });
    return interaction;
  }

  /** Refuses a form post without this interaction's CSRF token (ASVS v5 3.5.1). */
  private checkCsrf(interaction: Interaction, presented: string | undefined, x: RawExchange): void {
    if (!this.csrf.verify(interaction.uid, String(interaction.cid), presented)) {
      this.record({ action: 'auth.csrf', outcome: 'denied', details: { present: Boolean(presented) } }, x, interaction.params.client_id);
      throw new ProblemException(403, { detail: 'The form has expired or did not come from this server; reload the page', code: 'ERR_CSRF_TOKEN_INVALID' });
    }
  }

  private async finish(x: RawExchange, result: InteractionResults, merge = true): Promise<InteractionReply> {
    const location = await this.provider.interactionResult(x.req, x.res, result, { mergeWithLastSubmission: merge });
    return { kind: 'redirect', location };
  }

  private async clientName(interaction: Interaction): Promise<string> {
    const client = await this.provider.Client.find(interaction.params.client_id as string);
    return client?.clientName ?? String(interaction.params.client_id);
  }

  private async loginForm(interaction: Interaction, status: number, error?: string, email?: string): Promise<InteractionReply & { kind: 'page' }> {
    const html = loginPage({ uid: interaction.uid, csrf: this.csrf.token(interaction.uid, String(interaction.cid)), client: await this.clientName(interaction), email, error });
    return { kind: 'page', status, html, csp: pageCsp(originOf(interaction.params.redirect_uri)) };
  }

  private async consentForm(interaction: Interaction): Promise<InteractionReply> {
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const scopes = [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()];
    const html = consentPage({ uid: interaction.uid, csrf: this.csrf.token(interaction.uid, String(interaction.cid)), client: await this.clientName(interaction), scopes });
    return { kind: 'page', status: 200, html, csp: pageCsp(originOf(interaction.params.redirect_uri)) };
  }
}

// Sign-up with email verification, invitations and password reset, end to end over real HTTP, with the mail received
// by a real SMTP server started here (smtp-server, parsed with mailparser): no mocked transport. Runs on whichever
// adapter HTTP_ADAPTER names and on the embedded database or PostgreSQL + Redis (`npm run test:services`).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { AuditTrail } from '@bastion/audit';
import { PrismaService } from '@bastion/database';
import { AfterResponse } from '../apps/api/src/accounts/after-response.service';
import { MailService } from '@bastion/mail';
import { startSmtpCatcher, type ReceivedMail, type SmtpCatcher } from '../libs/mail/test/smtp-catcher';
import { baseEnv, startApi, useApi, type Env } from './support/harness';
import { call, DEMO_PASSWORD, login, type Reply } from './support/http';

const NEW_PASSWORD = 'a-Brand-new-passphrase-7';
const tokenOf = (mail: ReceivedMail) => {
  const m = /#token=([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!m) throw new Error(`no link in "${mail.subject}": ${mail.text}`);
  return m[1] as string;
};
const withoutRequestId = (reply: Reply) => {
  const { requestId: _, ...rest } = (reply.body ?? {}) as Record<string, unknown>;
  return rest;
};
let seq = 0;
const fresh = (name: string) => `${name}-${Date.now().toString(36)}-${seq++}@example.org`;

describe('accounts: sign-up, verification, invitations, password reset (e2e)', () => {
  let smtp: SmtpCatcher;
  // Limits out of the way of the timing samples; the limits have a test of their own below.
  const env: Env = {
    ...baseEnv(),
    APP_URL: 'https://app.example.test',
    RATE_LIMIT_ACCOUNTS: '100000/1m',
    RATE_LIMIT_ACCOUNT_EMAIL: '100000/1m',
    RATE_LIMIT_LOGIN: '100000/15m',
    RATE_LIMIT_LOGIN_ADDRESS: '100000/15m',
  };
  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    env.SMTP_URL = smtp.url;
  });
  afterAll(() => smtp?.close());
  const api = useApi(env);

  const post = (path: string, body: unknown, token?: string) => call(api.url, 'POST', path, { body, token });
  const mailTo = (to: string, subject: RegExp) => smtp.waitFor((m) => m.to === to && subject.test(m.subject));
  /** Waits until the work after the responses (and the mails it queued) is done. */
  const settle = async () => {
    await api.app.get(AfterResponse).idle();
    await api.app.get(MailService).drain();
  };
  const signup = (email: string, password = 'a-Long-enough-passphrase', extra: object = {}) => post('/v1/auth/signup', { email, password, displayName: 'Nina New', ...extra });

  describe('open sign-up', () => {
    it('sign up → mail → verify → login; refused before verification only after the password check', async () => {
      const email = fresh('nina');
      const res = await signup(email, 'a-Long-enough-passphrase', { organization: 'Nina <b>Labs</b>' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', detail: 'If the address can be used, a message with a link is on its way to it.' });
      const mail = await mailTo(email, /Verify your email address/);
      expect(mail.from).toBe('noreply@bastion.localhost');
      expect(mail.text).toContain('https://app.example.test/verify-email#token=');
      // Minimal HTML: the same link, no images, no remote content.
      expect(mail.html).toContain(`https://app.example.test/verify-email#token=${tokenOf(mail)}`);
      expect(mail.html).not.toMatch(/<img|<script|utm_|\?/i);

      const early = await post('/v1/auth/login', { email, password: 'a-Long-enough-passphrase' });
      expect(early.status).toBe(403);
      expect(early.body.code).toBe('ERR_ACCOUNT_EMAIL_UNVERIFIED');
      // A wrong password is the plain 401: the pending state shows only to who knows the password.
      const wrong = await post('/v1/auth/login', { email, password: 'not-the-password' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('ERR_AUTH_INVALID_CREDENTIALS');

      expect((await post('/v1/auth/email/verify', { token: tokenOf(mail) })).status).toBe(204);
      const { accessToken } = await login(api.url, email, 'a-Long-enough-passphrase');
      const me = await call(api.url, 'GET', '/v1/users/me', { token: accessToken });
      expect(me.body).toMatchObject({ email, role: 'admin' });
      expect(me.body.tenant.slug).toMatch(/^t-[0-9a-f]{16}$/);
    });

    it('a verification link works once', async () => {
      const email = fresh('once');
      await signup(email);
      const token = tokenOf(await mailTo(email, /Verify/));
      expect((await post('/v1/auth/email/verify', { token })).status).toBe(204);
      const again = await post('/v1/auth/email/verify', { token });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
    });

    it('a verification token verifies its own account only, and is refused as a reset or invitation token', async () => {
      const [a, b] = [fresh('a'), fresh('b')];
      await signup(a);
      await signup(b);
      const tokenA = tokenOf(await mailTo(a, /Verify/));
      const asReset = await post('/v1/auth/password/reset', { token: tokenA, newPassword: NEW_PASSWORD });
      expect(asReset.status).toBe(400);
      expect(asReset.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
      const asInvitation = await post('/v1/invitations/accept', { token: tokenA, password: NEW_PASSWORD, displayName: 'Eve' });
      expect(asInvitation.status).toBe(400);
      expect((await post('/v1/auth/email/verify', { token: tokenA })).status).toBe(204);
      // b is still pending: a's token did nothing to it.
      expect((await post('/v1/auth/login', { email: b, password: 'a-Long-enough-passphrase' })).body.code).toBe('ERR_ACCOUNT_EMAIL_UNVERIFIED');
      expect((await post('/v1/auth/login', { email: a, password: 'a-Long-enough-passphrase' })).status).toBe(200);
    });

    it('resend: a new link, and the older one stops working', async () => {
      const email = fresh('resend');
      await signup(email);
      const first = tokenOf(await mailTo(email, /Verify/));
      expect((await post('/v1/auth/email/resend', { email })).status).toBe(202);
      const second = await smtp.waitFor((m) => m.to === email && /Verify/.test(m.subject) && tokenOf(m) !== first);
      expect((await post('/v1/auth/email/verify', { token: first })).status).toBe(400);
      expect((await post('/v1/auth/email/verify', { token: tokenOf(second) })).status).toBe(204);
    });

    it('an address that has an account: the same answer, a note to its owner, nothing changed', async () => {
      const res = await signup('alice@example.com', 'a-Long-enough-passphrase');
      expect(res.status).toBe(202);
      expect(res.body.detail).toBe('If the address can be used, a message with a link is on its way to it.');
      const note = await mailTo('alice@example.com', /Someone tried to sign up/);
      expect(note.text).not.toMatch(/#token=/);
      await login(api.url, 'alice@example.com', DEMO_PASSWORD);
    });

    it('refuses a weak password before anything else (400), whatever the address', async () => {
      for (const email of ['bob@example.com', fresh('weak')]) {
        const res = await signup(email, 'short');
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('ERR_AUTH_PASSWORD_POLICY');
      }
    });

    it('without SMTP_URL the mail lands in the development outbox, with its link', async () => {
      const outbox = mkdtempSync(join(tmpdir(), 'bastion-outbox-'));
      const local = await startApi({ ...env, SMTP_URL: undefined, MAIL_OUTBOX_DIR: outbox });
      try {
        const email = fresh('outbox');
        const res = await call(local.url, 'POST', '/v1/auth/signup', { body: { email, password: 'a-Long-enough-passphrase', displayName: 'Olga' } });
        expect(res.status).toBe(202);
        await local.app.get(AfterResponse).idle();
        await local.app.get(MailService).drain();
        const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
        expect(files).toHaveLength(1);
        // As a mail client reads the file.
        const parsed = await simpleParser(readFileSync(join(outbox, files[0] as string)));
        expect(parsed.subject).toBe('Verify your email address');
        expect(parsed.text).toContain(`${env.APP_URL}/verify-email#token=`);
        const token = /verify-email#token=([A-Za-z0-9_-]{43})/.exec(parsed.text ?? '')?.[1];
        expect((await call(local.url, 'POST', '/v1/auth/email/verify', { body: { token } })).status).toBe(204);
      } finally {
        await local.close();
      }
    });

    it('SIGNUP=invite refuses sign-up with its own code', async () => {
      const closed = await startApi({ ...env, SIGNUP: 'invite' });
      try {
        const res = await call(closed.url, 'POST', '/v1/auth/signup', { body: { email: fresh('closed'), password: 'a-Long-enough-passphrase', displayName: 'X' } });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('ERR_ACCOUNT_SIGNUP_CLOSED');
      } finally {
        await closed.close();
      }
    });
  });

  describe('password reset', () => {
    it('forgot → mail → reset → every old token refused → login with the new password; the link works once', async () => {
      const email = fresh('reset');
      await signup(email);
      await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) });
      const before = await login(api.url, email, 'a-Long-enough-passphrase');
      const other = await login(api.url, email, 'a-Long-enough-passphrase');

      const forgot = await post('/v1/auth/password/forgot', { email });
      expect(forgot.status).toBe(202);
      const token = tokenOf(await mailTo(email, /Reset your password/));
      // A weak password does not spend the link.
      expect((await post('/v1/auth/password/reset', { token, newPassword: 'weak' })).body.code).toBe('ERR_AUTH_PASSWORD_POLICY');
      expect((await post('/v1/auth/password/reset', { token, newPassword: NEW_PASSWORD })).status).toBe(204);

      for (const session of [before, other]) {
        const me = await call(api.url, 'GET', '/v1/users/me', { token: session.accessToken });
        expect(me.status).toBe(401);
        expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
      }
      expect((await post('/v1/auth/login', { email, password: 'a-Long-enough-passphrase' })).status).toBe(401);
      const after = await login(api.url, email, NEW_PASSWORD);
      expect((await call(api.url, 'GET', '/v1/users/me', { token: after.accessToken })).status).toBe(200);
      await mailTo(email, /Your password was changed/);

      const reused = await post('/v1/auth/password/reset', { token, newPassword: 'yet-Another-passphrase-9' });
      expect(reused.status).toBe(400);
      expect(reused.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
    });

    it('only the newest link works', async () => {
      const email = fresh('newest');
      await signup(email);
      await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) });
      await post('/v1/auth/password/forgot', { email });
      const older = tokenOf(await mailTo(email, /Reset/));
      await post('/v1/auth/password/forgot', { email });
      const newer = tokenOf(await smtp.waitFor((m) => m.to === email && /Reset/.test(m.subject) && tokenOf(m) !== older));
      expect((await post('/v1/auth/password/reset', { token: older, newPassword: NEW_PASSWORD })).status).toBe(400);
      expect((await post('/v1/auth/password/reset', { token: newer, newPassword: NEW_PASSWORD })).status).toBe(204);
    });

    it('two resets racing with one link: exactly one wins', async () => {
      const email = fresh('race');
      await signup(email);
      await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) });
      await post('/v1/auth/password/forgot', { email });
      const token = tokenOf(await mailTo(email, /Reset/));
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => post('/v1/auth/password/reset', { token, newPassword: `${NEW_PASSWORD}-${i}` })));
      expect(results.map((r) => r.status).sort()).toEqual([204, 400, 400, 400, 400, 400]);
    });

    it('an expired link is refused (its row made older, no sleeping)', async () => {
      const email = fresh('expired');
      await signup(email);
      await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) });
      await post('/v1/auth/password/forgot', { email });
      const token = tokenOf(await mailTo(email, /Reset/));
      const prisma = api.app.get(PrismaService);
      const user = await prisma.user.findUniqueOrThrow({ where: { email } });
      const rows = await prisma.accountToken.findMany({ where: { userId: user.id, purpose: 'password-reset', usedAt: null } });
      expect(rows).toHaveLength(1);
      // Stored as SHA-256 only: the token itself is nowhere in the row.
      expect(rows[0]?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(rows[0])).not.toContain(token);
      // Issued for PASSWORD_RESET_TTL (30 min by default).
      expect(Math.round(((rows[0]?.expiresAt.getTime() ?? 0) - (rows[0]?.createdAt.getTime() ?? 0)) / 60_000)).toBe(30);
      await prisma.accountToken.update({ where: { id: rows[0]?.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const res = await post('/v1/auth/password/reset', { token, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
    });

    it('a reset token cannot verify an address', async () => {
      const email = fresh('crossed');
      await signup(email);
      await mailTo(email, /Verify/);
      await post('/v1/auth/password/forgot', { email });
      const reset = tokenOf(await mailTo(email, /Reset/));
      expect((await post('/v1/auth/email/verify', { token: reset })).status).toBe(400);
    });

    it('a made-up token gets the same 400', async () => {
      const res = await post('/v1/auth/password/reset', { token: 'A'.repeat(43), newPassword: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
    });
  });

  describe('invitations', () => {
    it('invite → mail → accept → login, verified at once; accepting twice is refused', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const email = fresh('invitee');
      const created = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'editor' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ email, role: 'editor', status: 'pending' });
      expect(created.body).not.toHaveProperty('token');
      const mail = await mailTo(email, /You are invited to Acme Corporation/);
      expect(mail.text).toContain('https://app.example.test/accept-invitation#token=');

      expect((await post('/v1/invitations/accept', { token: tokenOf(mail), password: NEW_PASSWORD, displayName: 'Ivan Invited' })).status).toBe(204);
      const session = await login(api.url, email, NEW_PASSWORD);
      const me = await call(api.url, 'GET', '/v1/users/me', { token: session.accessToken });
      expect(me.body).toMatchObject({ email, role: 'editor', tenant: { slug: 'acme' } });

      const twice = await post('/v1/invitations/accept', { token: tokenOf(mail), password: 'another-Passphrase-1', displayName: 'Eve' });
      expect(twice.status).toBe(400);
      expect(twice.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
      const list = await call(api.url, 'GET', '/v1/invitations', { token: admin.accessToken });
      expect(list.body.find((i: { id: string }) => i.id === created.body.id)).toMatchObject({ status: 'accepted' });
    });

    it('a revoked invitation cannot be accepted', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const email = fresh('revoked');
      const created = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'viewer' } });
      const token = tokenOf(await mailTo(email, /invited/));
      expect((await call(api.url, 'DELETE', `/v1/invitations/${created.body.id}`, { token: admin.accessToken })).status).toBe(204);
      const res = await post('/v1/invitations/accept', { token, password: NEW_PASSWORD, displayName: 'Too Late' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_ACCOUNT_TOKEN_INVALID');
      expect((await post('/v1/auth/login', { email, password: NEW_PASSWORD })).status).toBe(401);
    });

    it('an address with an account: created alike, its owner gets a note without a link', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const res = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email: 'mallory@example.com', role: 'admin' } });
      expect(res.status).toBe(201);
      const note = await mailTo('mallory@example.com', /An invitation to Acme/);
      expect(note.text).not.toMatch(/#token=/);
    });

    it('tenant-scoped and policy-checked: another tenant’s id is a 404, an editor may not invite', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const created = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email: fresh('scoped'), role: 'viewer' } });
      // The admin of another tenant (a fresh sign-up).
      const email = fresh('owner');
      await signup(email);
      await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) });
      const stranger = await login(api.url, email, 'a-Long-enough-passphrase');
      const foreign = await call(api.url, 'DELETE', `/v1/invitations/${created.body.id}`, { token: stranger.accessToken });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'ERR_INVITATION_NOT_FOUND']);
      expect(foreign.headers.get('content-type')).toContain('application/problem+json');
      const theirs = await call(api.url, 'GET', '/v1/invitations', { token: stranger.accessToken });
      expect(theirs.status).toBe(200);
      expect(theirs.body).toEqual([]);
      const editor = await login(api.url, 'alice@example.com');
      const denied = await call(api.url, 'POST', '/v1/invitations', { token: editor.accessToken, body: { email: fresh('nope'), role: 'admin' } });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('ERR_AUTHZ_DENIED');
    });
  });

  // Where accounts meet sessions, the audit trail and versioning (issue 22 was built in two halves, merged after).
  describe('with sessions, the audit trail and versioning', () => {
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { sid?: string };
    const sessionsOf = async (token: string) => {
      const res = await call(api.url, 'GET', '/v1/auth/sessions', { token });
      expect(res.status).toBe(200);
      return res.body as { id: string; amr: string[]; current: boolean }[];
    };
    /** A verified account of its own tenant (an admin there), signed in twice. */
    const verifiedAccount = async (name: string) => {
      const email = fresh(name);
      await signup(email);
      expect((await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) })).status).toBe(204);
      return email;
    };

    it('a verified sign-up signs in to a password session (amr pwd); a reset ends every session and access token at once', async () => {
      const email = await verifiedAccount('sessions');
      const laptop = await login(api.url, email, 'a-Long-enough-passphrase');
      const phone = await login(api.url, email, 'a-Long-enough-passphrase');
      const listed = await sessionsOf(laptop.accessToken);
      expect(listed.map((s) => s.id).sort()).toEqual([claims(laptop.accessToken).sid, claims(phone.accessToken).sid].sort());
      expect(listed.every((s) => s.amr.length === 1 && s.amr[0] === 'pwd')).toBe(true);

      await post('/v1/auth/password/forgot', { email });
      const token = tokenOf(await mailTo(email, /Reset your password/));
      expect((await post('/v1/auth/password/reset', { token, newPassword: NEW_PASSWORD })).status).toBe(204);
      // At once: the very next request with either old access token is refused, the list included.
      for (const old of [laptop, phone]) {
        const res = await call(api.url, 'GET', '/v1/auth/sessions', { token: old.accessToken });
        expect([res.status, res.body.code]).toEqual([401, 'ERR_AUTH_TOKEN_REVOKED']);
      }
      // No session of before the reset is live: a sign-in with the new password lists only itself.
      const after = await login(api.url, email, NEW_PASSWORD);
      const now = await sessionsOf(after.accessToken);
      expect(now.map((s) => [s.id, s.current, s.amr])).toEqual([[claims(after.accessToken).sid, true, ['pwd']]]);
      const prisma = api.app.get(PrismaService);
      const ended = await prisma.session.findMany({ where: { id: { in: [claims(laptop.accessToken).sid as string, claims(phone.accessToken).sid as string] } } });
      expect(ended.map((s) => s.endedAt !== null)).toEqual([true, true]);
    });

    it('an accepted invitation signs in to a password session (amr pwd)', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const email = fresh('inv-session');
      expect((await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'viewer' } })).status).toBe(201);
      expect((await post('/v1/invitations/accept', { token: tokenOf(await mailTo(email, /invited/)), password: NEW_PASSWORD, displayName: 'Vera Viewer' })).status).toBe(204);
      const session = await login(api.url, email, NEW_PASSWORD);
      expect((await sessionsOf(session.accessToken)).map((s) => [s.id, s.current, s.amr])).toEqual([[claims(session.accessToken).sid, true, ['pwd']]]);
    });

    it('the account routes are current: no Deprecation, Sunset or Link header', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const answers = [
        await signup(fresh('current')),
        await post('/v1/auth/email/verify', { token: 'D'.repeat(43) }),
        await post('/v1/auth/email/resend', { email: fresh('current') }),
        await post('/v1/auth/password/forgot', { email: fresh('current') }),
        await post('/v1/auth/password/reset', { token: 'D'.repeat(43), newPassword: NEW_PASSWORD }),
        await post('/v1/invitations/accept', { token: 'D'.repeat(43), password: NEW_PASSWORD, displayName: 'X' }),
        await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email: fresh('current'), role: 'viewer' } }),
        await call(api.url, 'GET', '/v1/invitations', { token: admin.accessToken }),
      ];
      for (const res of answers) {
        expect(res.status).toBeLessThan(500);
        expect([res.headers.get('deprecation'), res.headers.get('sunset'), res.headers.get('link')]).toEqual([null, null, null]);
      }
    });

    it('each account action and a session end leaves its audit event, read through GET /v1/audit-events', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const email = fresh('audited');
      await signup(email);
      const first = tokenOf(await mailTo(email, /Verify/));
      await post('/v1/auth/email/resend', { email });
      const second = tokenOf(await smtp.waitFor((m) => m.to === email && /Verify/.test(m.subject) && tokenOf(m) !== first));
      expect((await post('/v1/auth/email/verify', { token: second })).status).toBe(204);
      await post('/v1/auth/password/forgot', { email });
      expect((await post('/v1/auth/password/reset', { token: tokenOf(await mailTo(email, /Reset your password/)), newPassword: NEW_PASSWORD })).status).toBe(204);
      const user = await login(api.url, email, NEW_PASSWORD);
      const other = await login(api.url, email, NEW_PASSWORD);
      expect((await call(api.url, 'DELETE', `/v1/auth/sessions/${claims(other.accessToken).sid}`, { token: user.accessToken })).status).toBe(204);

      const admin = await login(api.url, 'admin@example.com');
      const invitee = fresh('audited-inv');
      const accepted = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email: invitee, role: 'viewer' } });
      await post('/v1/invitations/accept', { token: tokenOf(await mailTo(invitee, /invited/)), password: NEW_PASSWORD, displayName: 'Ana Audited' });
      const revoked = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email: fresh('audited-rev'), role: 'viewer' } });
      expect((await call(api.url, 'DELETE', `/v1/invitations/${revoked.body.id}`, { token: admin.accessToken })).status).toBe(204);
      await settle();
      await api.app.get(AuditTrail).flush();

      const userId = (await api.app.get(PrismaService).user.findUniqueOrThrow({ where: { email } })).id;
      const events = async (action: string) => {
        const res = await call(api.url, 'GET', `/v1/audit-events?action=${action}&outcome=success&from=${encodeURIComponent(since)}&limit=200`, { token: admin.accessToken });
        expect(res.status).toBe(200);
        return res.body.items as { actorId: string | null; targetType: string | null; targetId: string | null; tenantId: string | null; details: Record<string, unknown> }[];
      };
      for (const action of ['account.signup', 'account.email-verify', 'account.verification-resend', 'account.password-forgot', 'account.password-reset']) {
        const mine = (await events(action)).filter((e) => e.actorId === userId);
        expect({ action, count: mine.length }).toEqual({ action, count: 1 });
      }
      expect((await events('account.password-reset')).find((e) => e.actorId === userId)?.details).toMatchObject({ sessionsEnded: true });
      expect((await events('session.end')).some((e) => e.targetId === claims(other.accessToken).sid && e.actorId === userId)).toBe(true);
      expect((await events('invitation.create')).some((e) => e.targetId === accepted.body.id)).toBe(true);
      expect((await events('invitation.accept')).some((e) => e.targetId === accepted.body.id)).toBe(true);
      const revoke = (await events('invitation.revoke')).find((e) => e.targetId === revoked.body.id);
      const acme = (await api.app.get(PrismaService).invitation.findUniqueOrThrow({ where: { id: revoked.body.id } })).tenantId;
      expect(revoke?.tenantId).toBe(acme);
    });
  });

  describe('a signed-up tenant is not an operator tenant', () => {
    type Event = { action: string; actorId: string | null; tenantId: string | null; details: Record<string, unknown> };
    const auditPage = async (token: string, since: string) => {
      const res = await call(api.url, 'GET', `/v1/audit-events?from=${encodeURIComponent(since)}&limit=200`, { token });
      expect(res.status).toBe(200);
      return res.body.items as Event[];
    };

    it('its admin is refused the shared role policies (403 ERR_OPERATOR_ONLY, audited) and reads only its own tenant’s audit events', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const prisma = api.app.get(PrismaService);
      // An operator's event in the window: the acme admin's login, with its address and user agent.
      const acme = await login(api.url, 'admin@example.com');
      const acmeAdminId = (await prisma.user.findUniqueOrThrow({ where: { email: 'admin@example.com' } })).id;
      const email = fresh('stranger');
      await signup(email);
      expect((await post('/v1/auth/email/verify', { token: tokenOf(await mailTo(email, /Verify/)) })).status).toBe(204);
      const stranger = await login(api.url, email, 'a-Long-enough-passphrase');
      const me = await prisma.user.findUniqueOrThrow({ where: { email }, select: { id: true, role: true, tenantId: true, tenant: { select: { operator: true } } } });
      expect([me.role, me.tenant.operator]).toEqual(['admin', false]);

      const before = await call(api.url, 'GET', '/v1/policies', { token: acme.accessToken });
      expect(before.status).toBe(200);
      const viewerBefore = (before.body as { role: string }[]).find((p) => p.role === 'viewer');

      const list = await call(api.url, 'GET', '/v1/policies', { token: stranger.accessToken });
      expect([list.status, list.body.code]).toEqual([403, 'ERR_OPERATOR_ONLY']);
      expect(list.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // The escalation the reviewer showed: the viewer policy is every tenant's.
      const replace = await call(api.url, 'PUT', '/v1/policies/viewer', { token: stranger.accessToken, body: { rules: [{ action: 'manage', subject: ['Document', 'User'] }] } });
      expect([replace.status, replace.body.code]).toEqual([403, 'ERR_OPERATOR_ONLY']);
      const after = await call(api.url, 'GET', '/v1/policies', { token: acme.accessToken });
      expect((after.body as { role: string }[]).find((p) => p.role === 'viewer')).toEqual(viewerBefore);
      const explained = await call(api.url, 'GET', '/v1/authz/explain?action=update&subject=Policy', { token: stranger.accessToken });
      expect(explained.status).toBe(200);
      expect(explained.body).toMatchObject({ allowed: false, rule: null });
      expect(explained.body.reason).toMatch(/operator tenant/);
      // Within its own tenant it is still the admin: its users.
      expect((await call(api.url, 'GET', '/v1/users', { token: stranger.accessToken })).status).toBe(200);

      await settle();
      await api.app.get(AuditTrail).flush();
      const own = await auditPage(stranger.accessToken, since);
      expect(own.length).toBeGreaterThan(0);
      expect(own.filter((e) => e.tenantId !== me.tenantId)).toEqual([]);
      expect(own.filter((e) => e.actorId === acmeAdminId)).toEqual([]);
      const actions = own.filter((e) => e.actorId === me.id).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['account.signup', 'account.email-verify', 'auth.login', 'authz.denied']));
      const denials = own.filter((e) => e.action === 'authz.denied');
      expect(denials.map((e) => e.details.action).sort()).toEqual(['read', 'update']);
      // A filter on another tenant's actor finds nothing, rather than the acme admin's events.
      const probe = await call(api.url, 'GET', `/v1/audit-events?actor=${acmeAdminId}&limit=200`, { token: stranger.accessToken });
      expect([probe.status, probe.body.items]).toEqual([200, []]);

      // The operator's admin still reads every tenant's events, the stranger's included.
      const all = await auditPage(acme.accessToken, since);
      expect(all.some((e) => e.actorId === acmeAdminId && e.action === 'auth.login')).toBe(true);
      expect(all.some((e) => e.actorId === me.id && e.action === 'account.signup')).toBe(true);
    });
  });

  describe('no enumeration: the same status, body and time for known and unknown addresses', () => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const timed = async (path: string, body: object) => {
      const started = process.hrtime.bigint();
      const reply = await post(path, body);
      return { reply, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };

    it.each([
      ['sign-up', 202, '/v1/auth/signup', (email: string) => ({ email, password: 'a-Long-enough-passphrase', displayName: 'Probe' })],
      ['forgot-password', 202, '/v1/auth/password/forgot', (email: string) => ({ email })],
      ['resend-verification', 202, '/v1/auth/email/resend', (email: string) => ({ email })],
      // A wrong password for an account against an unknown address (the argon2id hash runs for both).
      ['login', 401, '/v1/auth/login', (email: string) => ({ email, password: 'wrong-password-1' })],
    ])('%s', async (_name, status, path, body) => {
      const known: number[] = [];
      const unknown: number[] = [];
      const known0 = await timed(path, body('bob@example.com'));
      const unknown0 = await timed(path, body(fresh('ghost')));
      expect(known0.reply.status).toBe(status);
      expect(unknown0.reply.status).toBe(status);
      expect(withoutRequestId(known0.reply)).toEqual(withoutRequestId(unknown0.reply));
      expect(known0.reply.headers.get('content-length')).toBe(unknown0.reply.headers.get('content-length'));
      await settle();
      // Interleaved, 18 of each, back to back: the work after each answer (lookups, rows, mails) runs while the
      // next requests are measured, as it would for an attacker.
      for (let i = 0; i < 18; i++) {
        known.push((await timed(path, body('bob@example.com'))).ms);
        unknown.push((await timed(path, body(fresh('ghost')))).ms);
      }
      const ratio = median(unknown) / median(known);
      expect(ratio).toBeGreaterThan(0.75);
      expect(ratio).toBeLessThan(1.25);
    });

    it('invitation acceptance: a real (revoked) invitation’s link against a made-up one', async () => {
      const admin = await login(api.url, 'admin@example.com');
      const email = fresh('timed');
      const created = await call(api.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'viewer' } });
      const real = tokenOf(await mailTo(email, /invited/));
      await call(api.url, 'DELETE', `/v1/invitations/${created.body.id}`, { token: admin.accessToken });
      const accept = (token: string) => timed('/v1/invitations/accept', { token, password: NEW_PASSWORD, displayName: 'Probe' });
      const first = [await accept(real), await accept('B'.repeat(43))];
      expect(first.map((r) => r.reply.status)).toEqual([400, 400]);
      expect(withoutRequestId(first[0]!.reply)).toEqual(withoutRequestId(first[1]!.reply));
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 18; i++) {
        known.push((await accept(real)).ms);
        unknown.push((await accept(`${'C'.repeat(40)}${String(i).padStart(3, '0')}`)).ms);
      }
      const ratio = median(unknown) / median(known);
      expect(ratio).toBeGreaterThan(0.75);
      expect(ratio).toBeLessThan(1.25);
    });
  });

  describe('rate limits', () => {
    it('per address (RATE_LIMIT_ACCOUNTS) and per email (RATE_LIMIT_ACCOUNT_EMAIL), alike for known and unknown addresses', async () => {
      const tight = await startApi({ ...env, TRUST_PROXY: 'loopback', RATE_LIMIT_ACCOUNTS: '4/1m', RATE_LIMIT_ACCOUNT_EMAIL: '2/1h' });
      try {
        const from = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });
        const forgot = (email: string, client: number) => call(tight.url, 'POST', '/v1/auth/password/forgot', { body: { email }, headers: from(client) });
        // Per email: the third request for one address is refused, from any client, known address or not. (An address
        // no other test here names: with Redis, the counters are shared with the file's main app.)
        for (const email of ['admin@example.com', fresh('ghost')]) {
          expect((await forgot(email, 10)).status).toBe(202);
          expect((await forgot(email, 11)).status).toBe(202);
          const third = await forgot(email, 12);
          expect(third.status).toBe(429);
          expect(third.body.code).toBe('ERR_AUTH_RATE_LIMITED');
          expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
        }
        // Per client: the fifth account request from one address is refused, whatever the addresses named.
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await forgot(fresh('spray'), 20)).status);
        expect(statuses).toEqual([202, 202, 202, 202, 429]);
      } finally {
        await tight.close();
      }
    });
  });
});

import { withExactEnv } from '../../../../test/support/exact-env';
import { accountsConfig, mailConfig } from './accounts.config';

const accounts = (env: Record<string, string>) => withExactEnv(env, () => accountsConfig());
const mail = (env: Record<string, string>) => withExactEnv(env, () => mailConfig());

describe('accounts config', () => {
  it('opens sign-up in development and test, invites by default in production', () => {
    expect(accounts({}).SIGNUP).toBe('open');
    expect(accounts({ NODE_ENV: 'test' }).SIGNUP).toBe('open');
    expect(accounts({ NODE_ENV: 'production' }).SIGNUP).toBe('invite');
    expect(accounts({ NODE_ENV: 'production', SIGNUP: 'off' }).SIGNUP).toBe('off');
    expect(() => accounts({ SIGNUP: 'public' })).toThrow(/SIGNUP: must be open, invite or off/);
  });

  it('takes a reset lifetime of 15 to 60 minutes (30 by default), in seconds', () => {
    expect(accounts({}).PASSWORD_RESET_TTL).toBe(1800);
    expect(accounts({ PASSWORD_RESET_TTL: '15m' }).PASSWORD_RESET_TTL).toBe(900);
    expect(accounts({ PASSWORD_RESET_TTL: '1h' }).PASSWORD_RESET_TTL).toBe(3600);
    expect(() => accounts({ PASSWORD_RESET_TTL: '2h' })).toThrow(/PASSWORD_RESET_TTL: must be from 15m to 60m/);
    expect(() => accounts({ PASSWORD_RESET_TTL: '10m' })).toThrow(/PASSWORD_RESET_TTL/);
    expect(() => accounts({ INVITATION_TTL: 'soon' })).toThrow(/INVITATION_TTL/);
  });

  it('links to APP_URL (no trailing slash), else to this API on localhost; refuses a query or fragment', () => {
    expect(accounts({}).APP_URL).toBe('http://localhost:3000');
    expect(accounts({ PORT: '8080' }).APP_URL).toBe('http://localhost:8080');
    expect(accounts({ APP_URL: 'https://app.example.com/' }).APP_URL).toBe('https://app.example.com');
    expect(() => accounts({ APP_URL: 'https://app.example.com/?next=evil' })).toThrow(/APP_URL/);
    expect(() => accounts({ APP_URL: 'javascript:alert(1)' })).toThrow(/APP_URL/);
  });

  it('sends mail through SMTP_URL, else to the outbox; names a bad URL', () => {
    expect(mail({})).toEqual({ MAIL_FROM: 'Bastion <noreply@bastion.localhost>', MAIL_OUTBOX_DIR: '.data/mail-outbox' });
    expect(mail({ SMTP_URL: 'smtp://localhost:1025' }).SMTP_URL).toBe('smtp://localhost:1025');
    expect(() => mail({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL/);
    expect(() => mail({ MAIL_FROM: 'Bastion' })).toThrow(/MAIL_FROM/);
    expect(mail({ MAIL_FROM: 'Example <noreply@example.com>' }).MAIL_FROM).toBe('Example <noreply@example.com>');
  });
});

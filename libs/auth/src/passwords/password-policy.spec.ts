import { PasswordPolicy } from './password-policy.js';

describe('PasswordPolicy (NIST SP 800-63B)', () => {
  const policy = new PasswordPolicy();

  it.each([
    ['short', 'Abc-123-xyz', /at least 12/],
    ['common', '1qaz2wsx3edc', /commonly used/],
    ['common in another case', '1QAZ2WSX3EDC', /commonly used/],
    ['the email', 'carol@example.com', /email/],
    ['the email local part', 'carol', /at least 12/],
    ['the email local part (long)', 'carol.longname', /email/],
    ['too long', 'a'.repeat(129), /at most 128/],
  ])('refuses a %s password', (_name, password, message) => {
    const email = password === 'carol.longname' ? 'carol.longname@example.com' : 'carol@example.com';
    expect(() => policy.check(password, { email })).toThrow(message);
  });

  it.each(['aaaaaaaaaaaaaaaa', '123456789012345', 'qwertyuiopasdfgh', 'Password12345678', 'carolcarolcarol1'])(
    'refuses %p as too easy to guess',
    (password) => expect(() => policy.check(password, { email: 'carol@example.com' })).toThrow(/too easy to guess|commonly used/),
  );

  it('accepts a long passphrase with no composition rules', () => {
    expect(() => policy.check('correct horse battery staple', { email: 'carol@example.com' })).not.toThrow();
  });

  it('counts characters, not bytes', () => {
    expect(() => policy.check('ééééééééééé')).toThrow(/at least 12/); // 11 characters, 22 bytes
    expect(() => policy.check('ñ9ß€ø2µ¥©®æ¶')).not.toThrow(); // 12 characters, 26 bytes
  });

  it('refuses options weaker than NIST allows', () => {
    expect(() => new PasswordPolicy({ minLength: 6 })).toThrow(/minLength/);
  });
});

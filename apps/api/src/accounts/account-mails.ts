import { escapeHtml, type MailMessage } from '@bastion/mail';

// Plain text first, and a minimal HTML alternative with the same words: no images, no remote content, no tracking
// parameters or pixels, no link other than the one the mail is about (which is shown in full, so it can be checked).

function html(paragraphs: string[], link?: { href: string; label: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const action = link ? `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>\n<p>${escapeHtml(link.href)}</p>` : '';
  return `<!doctype html>\n<html><body>\n${body}${action}\n</body></html>\n`;
}

function text(paragraphs: string[], link?: string): string {
  return [...paragraphs, ...(link ? [link] : [])].join('\n\n') + '\n';
}

function message(to: string, subject: string, paragraphs: string[], link?: { href: string; label: string }, after: string[] = []): MailMessage {
  return {
    to,
    subject,
    text: text([...paragraphs, ...(link ? [link.href] : []), ...after]),
    html: html([...paragraphs, ...after], link),
  };
}

const IGNORE = 'If you did not ask for this, ignore this message; nothing changes.';

/** Sign-up: the single-use verification link. */
export const verifyEmailMail = (to: string, link: string, hours: number) =>
  message(to, 'Verify your email address', [`Someone (we hope you) signed up with this address. Open the link below within ${hours} hours to verify it and activate the account.`], { href: link, label: 'Verify my address' }, [IGNORE]);

/** Sign-up with an address that already has an account: no link, no new account. */
export const signupAttemptMail = (to: string, resetLink: string) =>
  message(to, 'Someone tried to sign up with your address', [
    'Someone tried to create an account with this email address, which already has one. No new account was created and your account is unchanged.',
    `If it was you and you forgot your password, reset it here: ${resetLink}`,
    'If it was not you, you need not do anything.',
  ]);

/** Forgot password: the single-use reset link. */
export const passwordResetMail = (to: string, link: string, minutes: number) =>
  message(to, 'Reset your password', [`Open the link below within ${minutes} minutes to choose a new password. Only the newest link you asked for works, and only once.`], { href: link, label: 'Choose a new password' }, [IGNORE]);

/** After a reset: every sign-in was ended. */
export const passwordChangedMail = (to: string) =>
  message(to, 'Your password was changed', [
    'The password of your account was just reset with a link sent to this address. Every session and token of the account has been ended.',
    'If this was not you, reset your password again at once and tell your administrator.',
  ]);

/** An invitation into a tenant: the single-use acceptance link. */
export const invitationMail = (to: string, tenant: string, role: string, link: string, days: number) =>
  message(to, `You are invited to ${tenant}`, [`You have been invited to join ${tenant} as ${role}. Open the link below within ${days} days to choose a password; it verifies this address at the same time.`], { href: link, label: 'Accept the invitation' }, [IGNORE]);

/** An invitation for an address that already has an account: no link (an account belongs to one tenant). */
export const invitationExistingMail = (to: string, tenant: string) =>
  message(to, `An invitation to ${tenant}`, [
    `Someone invited this address to join ${tenant}, but it already has an account, and an address can belong to only one account.`,
    'Nothing was changed. Ask the person who invited you to use another address if you want a second account.',
  ]);

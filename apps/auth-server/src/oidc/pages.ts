import { createHash } from 'node:crypto';

// The pages' only style, allowed by its hash: no script, no other source.
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#222}h1{font-size:1.3rem}' +
  'label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin:1rem .5rem 0 0;padding:.4rem 1rem}.error{color:#a00}ul{padding-left:1.2rem}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Escapes text for HTML content and attribute values. */
export function html(text: unknown): string {
  return String(text).replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The Content-Security-Policy of every page: nothing loads but the inline
 * style by its hash, no script at all, no framing (clickjacking), and forms
 * post only to this server. Browsers apply `form-action` to the redirects
 * that follow a form post too, so the one client origin the flow returns to
 * (an already validated redirect URI) is allowed as well.
 *
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function pageCsp(returnOrigin?: string): string {
  const formAction = ["'self'", ...(returnOrigin ? [returnOrigin] : [])].join(' ');
  return `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

/** The origin of a URL, or undefined when it has none worth allowing. */
export function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** A whole page around `body`. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${html(title)}</title><style>${STYLE}</style></head><body><h1>${html(title)}</h1>${body}</body></html>`;
}

/** The sign-in form of an interaction. */
export function loginPage(p: { uid: string; csrf: string; client: string; email?: string; error?: string }): string {
  return page(
    `Sign in to ${p.client}`,
    `${p.error ? `<p class="error" role="alert">${html(p.error)}</p>` : ''}
<form method="post" action="/interaction/${html(p.uid)}/login" autocomplete="on">
<input type="hidden" name="csrf" value="${html(p.csrf)}">
<label for="email">Email</label><input id="email" type="email" name="email" required maxlength="254" value="${html(p.email ?? '')}" autofocus>
<label for="password">Password</label><input id="password" type="password" name="password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${html(p.uid)}/abort"><input type="hidden" name="csrf" value="${html(p.csrf)}"><button type="submit">Cancel</button></form>`,
  );
}

/** The consent form of an interaction: what the client asks for. */
export function consentPage(p: { uid: string; csrf: string; client: string; scopes: string[] }): string {
  return page(
    `Allow ${p.client}?`,
    `<p>${html(p.client)} asks to:</p><ul>${p.scopes.map((s) => `<li>${html(s)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${html(p.uid)}/confirm"><input type="hidden" name="csrf" value="${html(p.csrf)}"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${html(p.uid)}/abort"><input type="hidden" name="csrf" value="${html(p.csrf)}"><button type="submit">Deny</button></form>`,
  );
}

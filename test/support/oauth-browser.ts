import { createHash, randomBytes } from 'node:crypto';

/** A browser's cookie jar, enough for one origin. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Random PKCE verifier and its S256 challenge (RFC 7636). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The CSRF token of one of the auth server's forms. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no CSRF field in ${html.slice(0, 300)}`);
  return m[1] as string;
}

/** GET (or POST a form) like a browser that does not follow redirects, keeping the jar's cookies. */
export async function browse(jar: CookieJar, url: string | URL, form?: Record<string, string>): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: jar.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  jar.store(res);
  return { res, text: await res.text() };
}

/**
 * Walks the auth server's real pages the way a person does: from an
 * authorization URL, the sign-in form (with its CSRF token), then consent
 * when asked, until the server redirects to `redirectPrefix`; returns that
 * redirect. Throws when the server stops anywhere else.
 */
export async function signInThroughForms(jar: CookieJar, authorizationUrl: string, email: string, password: string, redirectPrefix: string): Promise<URL> {
  const origin = new URL(authorizationUrl).origin;
  const start = await browse(jar, authorizationUrl);
  let location = start.res.headers.get('location');
  if (!location) throw new Error(`the authorization request answered ${start.res.status}: ${start.text.slice(0, 300)}`);
  const page = await browse(jar, new URL(location, origin));
  const signIn = await browse(jar, new URL(`${location}/login`, origin), { email, password, csrf: csrfOf(page.text) });
  location = signIn.res.headers.get('location');
  for (let i = 0; i < 6 && location && !location.startsWith(redirectPrefix); i++) {
    const next = await browse(jar, new URL(location, origin));
    if (next.res.status === 200 && /name="csrf"/.test(next.text)) {
      const consent = await browse(jar, new URL(`${new URL(location, origin).pathname}/confirm`, origin), { csrf: csrfOf(next.text) });
      location = consent.res.headers.get('location');
    } else {
      location = next.res.headers.get('location');
    }
  }
  if (!location?.startsWith(redirectPrefix)) throw new Error(`the sign-in ended at ${location ?? 'no redirect'}, not ${redirectPrefix}`);
  return new URL(location);
}

/** openid-client 6, the independent client of the OAuth e2e files (the alias `openid-client-6`; the API's own login uses v5). */
export type OpenIdClient = typeof import('openid-client-6');

/**
 * openid-client 6 and the demo auth server's seeded clients, discovered at
 * `issuer`: confidential `demo-service` and public `demo-spa`. It is
 * ESM-only, so it is loaded with a real import() (see load-esm.ts).
 */
export async function discoverDemoClients(issuer: string, importEsm: <T>(specifier: string) => Promise<T>) {
  const oc = await importEsm<OpenIdClient>('openid-client-6');
  const insecure = { execute: [oc.allowInsecureRequests] };
  const service = await oc.discovery(new URL(issuer), 'demo-service', 'demo-service-secret', undefined, insecure);
  const spa = await oc.discovery(new URL(issuer), 'demo-spa', undefined, oc.None(), insecure);
  return { oc, service, spa };
}

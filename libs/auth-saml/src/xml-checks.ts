import { SamlError } from './errors.js';

// The parser's own file, not the package's entry: @xmldom/xmldom's index.d.ts adds `lib="dom"` to the whole
// TypeScript program, which changes global types (fetch's Headers) in every file of the app that copies this lib.
// xmldom.d.ts types the part used here. A static import (not `require`) loads in CommonJS and ES module apps alike.
import { DOMParser } from '@xmldom/xmldom/lib/dom-parser.js';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** Signature algorithms accepted: SHA-256 or stronger, never SHA-1 (ASVS v5 11.4.3; NIST SP 800-131A). */
export const ALLOWED_SIGNATURE_ALGORITHMS: readonly string[] = [
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
];
/** Digest algorithms accepted. */
export const ALLOWED_DIGEST_ALGORITHMS: readonly string[] = ['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512'];

type XNode = {
  nodeType: number;
  namespaceURI?: string | null;
  localName?: string | null;
  nodeName?: string;
  childNodes?: ArrayLike<XNode>;
  parentNode?: XNode | null;
  getAttribute?(name: string): string | null;
  hasAttribute?(name: string): boolean;
  textContent?: string | null;
};

/** A parsed `SAMLResponse` that passed the structural checks, and what the SP needs before choosing an IdP. */
export interface InspectedResponse {
  /** The decoded XML. */
  xml: string;
  /** The base64 the client posted, for node-saml. */
  base64: string;
  /** `Issuer` of the assertion (untrusted until the signature is checked). */
  issuer: string;
  /** `Destination` of the Response, when present. */
  destination?: string;
  /** `InResponseTo` of the Response, when present (untrusted until checked). */
  inResponseTo?: string;
}

function parse(xml: string, what: string): XNode {
  let failed = false;
  let doc: (XNode & { documentElement?: XNode | null }) | undefined;
  try {
    doc = new DOMParser({
      errorHandler: {
        warning: () => undefined,
        error: () => (failed = true),
        fatalError: () => (failed = true),
      },
    }).parseFromString(xml, 'text/xml') as XNode & { documentElement?: XNode | null };
  } catch {
    // xmldom throws, rather than reports, some fatal errors (an unclosed CDATA section…).
    failed = true;
  }
  if (failed || !doc || !doc.documentElement) throw new SamlError('ERR_SAML_MALFORMED', `The ${what} is not well-formed XML`);
  return doc as XNode;
}

/** Every element below `root`, depth first, iteratively (a hostile depth cannot overflow the stack). */
function* walk(root: XNode): Generator<XNode> {
  const stack: XNode[] = [root];
  while (stack.length) {
    const node = stack.pop() as XNode;
    yield node;
    const children = node.childNodes;
    if (children) for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i] as XNode);
  }
}

function elements(root: XNode, ns: string, name: string): XNode[] {
  return [...walk(root)].filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
}

function childElements(parent: XNode, ns: string, name: string): XNode[] {
  return Array.from(parent.childNodes ?? []).filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
}

function attr(node: XNode, name: string): string | undefined {
  return node.hasAttribute?.(name) ? (node.getAttribute?.(name) ?? undefined) : undefined;
}

/**
 * Decodes and structurally checks a posted `SAMLResponse` before any
 * signature work: size, strict base64, well-formed XML with no DTD, no
 * comments or processing instructions, one Response holding exactly one
 * Assertion, SHA-256 signature and digest algorithms. Each step is named below.
 */
export function inspectResponse(value: unknown, maxBase64Length: number): InspectedResponse {
  // Step: presence and size before decoding (ASVS v5 2.2.1 input limits; the body limit alone allows more).
  if (typeof value !== 'string' || value.length === 0) throw new SamlError('ERR_SAML_MALFORMED', 'SAMLResponse is required');
  if (value.length > maxBase64Length) throw new SamlError('ERR_SAML_TOO_LARGE', `SAMLResponse is longer than ${maxBase64Length} characters`);
  // Step: strict base64 (SAML Bindings §3.5.4): Buffer.from would skip junk silently.
  const base64 = value.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) throw new SamlError('ERR_SAML_MALFORMED', 'SAMLResponse is not base64');
  const xml = Buffer.from(base64, 'base64').toString('utf8');
  // Step: no DTD at all (entity expansion, XXE: ASVS v5 1.5.1; SAML messages never need one).
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SamlError('ERR_SAML_MALFORMED', 'SAMLResponse may not contain a document type declaration');
  const doc = parse(xml, 'SAMLResponse');
  const root = (doc as unknown as { documentElement: XNode }).documentElement;
  // Step: comments and processing instructions are refused outright. Exclusive
  // canonicalisation drops comments, so `admin@example.com<!---->.evil.com`
  // keeps a valid signature while a careless reader sees only the first text
  // node (CVE-2017-11427 family, "SAML comment injection").
  for (const node of walk(doc)) {
    if (node.nodeType === 8) throw new SamlError('ERR_SAML_COMMENT', 'SAMLResponse may not contain XML comments');
    // The XML declaration is parsed as a processing instruction named "xml"; it is allowed.
    if (node.nodeType === 7 && node.nodeName !== 'xml') throw new SamlError('ERR_SAML_MALFORMED', 'SAMLResponse may not contain processing instructions');
  }
  if (root.namespaceURI !== SAMLP || root.localName !== 'Response') throw new SamlError('ERR_SAML_MALFORMED', 'SAMLResponse is not a SAML 2.0 Response');
  // Step: exactly one Assertion in the whole document, a direct child of the
  // Response. Signature wrapping (XSW) moves the signed assertion elsewhere
  // (an Extensions, an Object, a second Assertion) and puts an unsigned one
  // where the SP reads; with one place allowed there is nothing to confuse.
  const assertions = elements(root, SAML, 'Assertion');
  const encrypted = elements(root, SAML, 'EncryptedAssertion');
  if (encrypted.length > 0) throw new SamlError('ERR_SAML_INVALID', 'Encrypted assertions are not accepted by this service provider');
  if (assertions.length !== 1 || assertions[0]?.parentNode !== root) {
    throw new SamlError('ERR_SAML_WRAPPED', 'The response must hold exactly one assertion, directly in the Response');
  }
  const assertion = assertions[0] as XNode;
  // Step: each signature must sit directly in the Response or the Assertion (enveloped).
  for (const signature of elements(root, DSIG, 'Signature')) {
    if (signature.parentNode !== root && signature.parentNode !== assertion) {
      throw new SamlError('ERR_SAML_WRAPPED', 'A signature is in an unexpected place');
    }
  }
  // Step: algorithm allowlist (SHA-256 or stronger for signatures and digests).
  for (const method of elements(root, DSIG, 'SignatureMethod')) {
    if (!ALLOWED_SIGNATURE_ALGORITHMS.includes(attr(method, 'Algorithm') ?? '')) throw new SamlError('ERR_SAML_ALGORITHM', 'The signature algorithm is not accepted (SHA-256 or stronger)');
  }
  for (const method of elements(root, DSIG, 'DigestMethod')) {
    if (!ALLOWED_DIGEST_ALGORITHMS.includes(attr(method, 'Algorithm') ?? '')) throw new SamlError('ERR_SAML_ALGORITHM', 'The digest algorithm is not accepted (SHA-256 or stronger)');
  }
  const issuer = childElements(assertion, SAML, 'Issuer')[0]?.textContent?.trim();
  if (!issuer) throw new SamlError('ERR_SAML_ISSUER', 'The assertion names no issuer');
  return { xml, base64, issuer, destination: attr(root, 'Destination'), inResponseTo: attr(root, 'InResponseTo') };
}

/** What the SP reads from the signed assertion itself, after node-saml verified it. */
export interface SignedAssertionFacts {
  id: string;
  /** `Conditions/@NotOnOrAfter`, ms. */
  notOnOrAfter: number;
}

/**
 * Checks of the *verified* assertion node-saml leaves to the SP: the bearer
 * `SubjectConfirmationData` must name this ACS as `Recipient` and carry a
 * `NotOnOrAfter` still ahead (SAML 2.0 Profiles §4.1.4.2), and `Conditions`
 * must bound the assertion's life (so the replay cache can bound its own).
 */
export function checkSignedAssertion(assertionXml: string, acsUrl: string, nowMs: number, skewMs: number): SignedAssertionFacts {
  const doc = parse(assertionXml, 'assertion');
  const assertion = (doc as unknown as { documentElement: XNode }).documentElement;
  const id = attr(assertion, 'ID');
  if (!id) throw new SamlError('ERR_SAML_INVALID', 'The assertion has no ID');
  const data = childElements(assertion, SAML, 'Subject')
    .flatMap((s) => childElements(s, SAML, 'SubjectConfirmation'))
    .filter((c) => attr(c, 'Method') === BEARER)
    .flatMap((c) => childElements(c, SAML, 'SubjectConfirmationData'));
  if (data.length === 0) throw new SamlError('ERR_SAML_INVALID', 'The assertion has no bearer subject confirmation');
  // Step: Recipient (Profiles §4.1.4.2): an assertion made for another SP's ACS is not ours to accept.
  if (!data.some((d) => attr(d, 'Recipient') === acsUrl)) throw new SamlError('ERR_SAML_RECIPIENT', 'The assertion was issued for another recipient');
  // Step: the confirmation's own lifetime, with the configured skew.
  const valid = data.filter((d) => attr(d, 'Recipient') === acsUrl).some((d) => {
    const until = Date.parse(attr(d, 'NotOnOrAfter') ?? '');
    const from = Date.parse(attr(d, 'NotBefore') ?? '');
    return Number.isFinite(until) && nowMs < until + skewMs && !(Number.isFinite(from) && nowMs + skewMs < from);
  });
  if (!valid) throw new SamlError('ERR_SAML_EXPIRED', 'The assertion has expired or is not yet valid');
  const conditions = childElements(assertion, SAML, 'Conditions');
  const notOnOrAfter = Date.parse(conditions.length === 1 ? (attr(conditions[0] as XNode, 'NotOnOrAfter') ?? '') : '');
  if (!Number.isFinite(notOnOrAfter)) throw new SamlError('ERR_SAML_INVALID', 'The assertion has no Conditions with NotOnOrAfter');
  if (nowMs >= notOnOrAfter + skewMs) throw new SamlError('ERR_SAML_EXPIRED', 'The assertion has expired or is not yet valid');
  return { id, notOnOrAfter };
}

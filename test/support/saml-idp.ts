// A SAML 2.0 identity provider built in the test: a throwaway RSA key and
// self-signed certificate (node's WebCrypto + @peculiar/x509), responses
// signed with xml-crypto (what node-saml verifies with) the way real IdPs
// sign them: an enveloped RSA-SHA256 signature in the assertion.
import { randomUUID, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

// xml-crypto loaded without its typings: they add lib="dom" to the whole program.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SignedXml } = require('xml-crypto') as {
  SignedXml: new (o: { privateKey: string; publicCert?: string; signatureAlgorithm: string; canonicalizationAlgorithm: string }) => {
    addReference(o: { xpath: string; digestAlgorithm: string; transforms: string[] }): void;
    computeSignature(xml: string, o: { location: { reference: string; action: 'after' | 'before' | 'append' | 'prepend' } }): void;
    getSignedXml(): string;
  };
};

const ALG = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** A key pair and its certificate, as PEM. */
export interface TestKey {
  privateKey: string;
  certificate: string;
}

/** A new RSA key and a self-signed certificate for it, valid a day. */
export async function makeKey(name = 'Test IdP'): Promise<TestKey> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    keys,
    signingAlgorithm: ALG,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return { privateKey: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`, certificate: cert.toString('pem') };
}

/** What goes into one response; every field can be bent for an attack. */
export interface AssertionInput {
  issuer: string;
  nameId: string;
  email?: string;
  groups?: string[];
  audience: string;
  recipient: string;
  destination?: string;
  inResponseTo?: string;
  /** Validity window of Conditions and SubjectConfirmationData, ms from now. */
  notBeforeMs?: number;
  notOnOrAfterMs?: number;
  assertionId?: string;
}

const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** The assertion XML, unsigned. */
export function assertionXml(a: AssertionInput): string {
  const id = a.assertionId ?? `_a${randomUUID().replace(/-/g, '')}`;
  const after = iso(a.notOnOrAfterMs ?? 300_000);
  const before = iso(a.notBeforeMs ?? -60_000);
  const irt = a.inResponseTo ? ` InResponseTo="${esc(a.inResponseTo)}"` : '';
  const attrs = [
    ...(a.email ? [`<saml:Attribute Name="email"><saml:AttributeValue>${esc(a.email)}</saml:AttributeValue></saml:Attribute>`] : []),
    ...(a.groups?.length ? [`<saml:Attribute Name="groups">${a.groups.map((g) => `<saml:AttributeValue>${esc(g)}</saml:AttributeValue>`).join('')}</saml:Attribute>`] : []),
  ].join('');
  return (
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(a.notBeforeMs ?? 0)}">` +
    `<saml:Issuer>${esc(a.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(a.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${after}" Recipient="${esc(a.recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${before}" NotOnOrAfter="${after}"><saml:AudienceRestriction><saml:Audience>${esc(a.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`
  );
}

/** Signs the one assertion in `xml` (enveloped, exclusive c14n), as an IdP does. */
export function signAssertion(xml: string, key: TestKey, hash: 'sha256' | 'sha1' = 'sha256'): string {
  const sig = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificate,
    signatureAlgorithm: hash === 'sha256' ? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' : 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    digestAlgorithm: hash === 'sha256' ? 'http://www.w3.org/2001/04/xmlenc#sha256' : 'http://www.w3.org/2000/09/xmldsig#sha1',
    transforms: [ENVELOPED, EXC_C14N],
  });
  sig.computeSignature(xml, { location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

/** A Response around `assertion` (already signed or not). */
export function responseXml(a: Pick<AssertionInput, 'issuer' | 'destination' | 'inResponseTo'>, assertion: string): string {
  const irt = a.inResponseTo ? ` InResponseTo="${esc(a.inResponseTo)}"` : '';
  const dest = a.destination ? ` Destination="${esc(a.destination)}"` : '';
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomUUID().replace(/-/g, '')}" Version="2.0" IssueInstant="${iso(0)}"${dest}${irt}>` +
    `<saml:Issuer>${esc(a.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`
  );
}

/** A complete signed response, base64 as the HTTP-POST binding carries it. */
export function signedResponse(a: AssertionInput, key: TestKey, hash: 'sha256' | 'sha1' = 'sha256'): string {
  return b64(responseXml(a, signAssertion(assertionXml(a), key, hash)));
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

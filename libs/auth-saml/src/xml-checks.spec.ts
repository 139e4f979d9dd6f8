import { SamlError } from './errors.js';
import { SamlServiceProvider } from './service-provider.js';
import { inspectResponse } from './xml-checks.js';

const b64 = (xml: string) => Buffer.from(xml).toString('base64');
const P = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';
const assertion = (nameId = 'a@b.test') => `<saml:Assertion ID="_a"><saml:Issuer>urn:idp</saml:Issuer><saml:Subject><saml:NameID>${nameId}</saml:NameID></saml:Subject></saml:Assertion>`;
const response = (inner: string, attrs = '') => `<?xml version="1.0"?><samlp:Response ${P}${attrs}>${inner}</samlp:Response>`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof SamlError ? error.code : 'not a SamlError';
  }
  return undefined;
}

describe('inspectResponse', () => {
  it('reads the issuer, destination and InResponseTo of a well-formed response', () => {
    expect(inspectResponse(b64(response(assertion(), ' Destination="https://sp/acs" InResponseTo="_r1"')), 65536)).toMatchObject({ issuer: 'urn:idp', destination: 'https://sp/acs', inResponseTo: '_r1' });
  });

  it.each([
    ['missing', undefined, 'ERR_SAML_MALFORMED'],
    ['not base64', '***', 'ERR_SAML_MALFORMED'],
    ['too long', 'A'.repeat(2000), 'ERR_SAML_TOO_LARGE'],
    ['not XML', b64('<a><b></a>'), 'ERR_SAML_MALFORMED'],
    ['an unclosed CDATA section (xmldom throws)', b64(`<samlp:Response ${P}><![CDATA[x]]>`), 'ERR_SAML_MALFORMED'],
    ['a DTD', b64(`<!DOCTYPE x><samlp:Response ${P}/>`), 'ERR_SAML_MALFORMED'],
    ['a comment in the NameID', b64(response(assertion('admin@x.test<!---->.evil.test'))), 'ERR_SAML_COMMENT'],
    ['a processing instruction', b64(response(`<?evil x?>${assertion()}`)), 'ERR_SAML_MALFORMED'],
    ['another root', b64('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>'), 'ERR_SAML_MALFORMED'],
    ['two assertions', b64(response(assertion() + assertion())), 'ERR_SAML_WRAPPED'],
    ['a nested assertion', b64(response(`<samlp:Extensions>${assertion()}</samlp:Extensions>`)), 'ERR_SAML_WRAPPED'],
    ['SHA-1', b64(response(assertion().replace('</saml:Issuer>', '</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/></ds:SignedInfo></ds:Signature>'))), 'ERR_SAML_ALGORITHM'],
  ])('refuses %s', (_what, value, code) => {
    expect(codeOf(() => inspectResponse(value, 1024))).toBe(code);
  });
});

describe('SamlServiceProvider options', () => {
  it.each([
    [{ entityId: '', acsUrl: 'https://sp/acs' }, /entityId/],
    [{ entityId: 'sp', acsUrl: 'ftp://sp' }, /acsUrl/],
    [{ entityId: 'sp', acsUrl: 'https://sp/acs', clockSkewSeconds: 3600 }, /clockSkewSeconds/],
  ])('names a bad option', (options, name) => {
    expect(() => new SamlServiceProvider(options)).toThrow(name);
  });
});

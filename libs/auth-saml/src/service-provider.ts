import { createHash } from 'node:crypto';
import { type CacheProvider, generateServiceProviderMetadata, type Profile, SAML, type SamlConfig, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import { SamlError, type SamlErrorCode } from './errors.js';
import { MemorySamlReplayCache, MemorySamlRequestStore, type SamlClock, type SamlReplayCache, type SamlRequestStore, systemSamlClock } from './stores.js';
import { checkSignedAssertion, type InspectedResponse, inspectResponse } from './xml-checks.js';

/** An identity provider this SP trusts, as the app stores it (environment, database…). */
export interface SamlIdentityProvider {
  /** A stable id of this IdP in the app (binds request ids to the IdP they were sent to). */
  key: string;
  /** The IdP's entity id: the only `Issuer` accepted from it. */
  entityId: string;
  /** Its SSO URL (HTTP-Redirect binding). */
  entryPoint: string;
  /** Pinned signing certificates (PEM); several during a rotation. */
  certificates: readonly string[];
  /** Accept unsolicited (IdP-initiated) responses. Default false: only answers to our own AuthnRequests. */
  allowIdpInitiated?: boolean;
}

/** Options of {@link SamlServiceProvider}. */
export interface SamlServiceProviderOptions {
  /** This SP's entity id: `Issuer` of AuthnRequests and the only `Audience` accepted. */
  entityId: string;
  /** The Assertion Consumer Service URL, exactly as the IdP posts to it: the only `Destination` / `Recipient` accepted. */
  acsUrl: string;
  /** Sign AuthnRequests (RSA-SHA256) with this key; the certificate is published in the metadata. */
  signing?: { privateKey: string; certificate: string };
  /** Leeway for clock differences with IdPs, seconds. Default 60, at most 300. */
  clockSkewSeconds?: number;
  /** How long an AuthnRequest may wait for its answer, seconds. Default 600. */
  requestTtlSeconds?: number;
  /** Longest `SAMLResponse` accepted (base64 characters). Default 65536. */
  maxResponseLength?: number;
  /** Accepted assertion ids. Default in memory (one instance); `RedisSamlReplayCache` for several. */
  replayCache?: SamlReplayCache;
  /** Outstanding AuthnRequest ids. Default in memory; `RedisSamlRequestStore` for several. */
  requestStore?: SamlRequestStore;
  /** Requested NameID format. Default none (the IdP's choice). */
  nameIdFormat?: string;
  clock?: SamlClock;
}

/** A federated identity whose response passed every check. */
export interface SamlIdentity {
  /** The {@link SamlIdentityProvider.key} it came from. */
  idpKey: string;
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  /** From `email`, `mail`, the Entra / ADFS email claim or `urn:oid:0.9.2342.19200300.100.1.3`, else an email-format NameID. */
  email?: string;
  /** Every string attribute value, by attribute name. */
  attributes: Record<string, string[]>;
  assertionId: string;
  sessionIndex?: string;
  /** Whether it answered one of our AuthnRequests (false: IdP-initiated). */
  solicited: boolean;
}

const EMAIL_ATTRIBUTES = [
  'email',
  'mail',
  'emailaddress',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'urn:oid:0.9.2342.19200300.100.1.3',
];
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

function option(condition: boolean, name: string, must: string): void {
  if (!condition) throw new SamlError('ERR_SAML_OPTIONS', `saml option "${name}" ${must}`);
}

/** node-saml's error, turned into one of ours by what it says; its words never reach a client. */
function classify(error: unknown): SamlError {
  if (error instanceof SamlError) return error;
  if (error instanceof SamlStatusError) return new SamlError('ERR_SAML_STATUS', 'The identity provider did not authenticate the user', { cause: error });
  const text = error instanceof Error ? error.message : '';
  const rules: [RegExp, SamlErrorCode, string][] = [
    [/multiple assertions/i, 'ERR_SAML_WRAPPED', 'The response must hold exactly one assertion'],
    [/InResponseTo/i, 'ERR_SAML_IN_RESPONSE_TO', 'The response does not answer a pending sign-in request'],
    [/signature/i, 'ERR_SAML_SIGNATURE', 'The response is not signed by a trusted certificate'],
    // node-saml drops confirmations outside their time window, then finds none valid.
    [/expired|not yet valid|no valid subject confirmation/i, 'ERR_SAML_EXPIRED', 'The assertion has expired or is not yet valid'],
    [/audience/i, 'ERR_SAML_AUDIENCE', 'The assertion is meant for another audience'],
    [/issuer/i, 'ERR_SAML_ISSUER', 'The assertion comes from an unexpected issuer'],
  ];
  const hit = rules.find(([re]) => re.test(text));
  return hit ? new SamlError(hit[1], hit[2], { cause: error }) : new SamlError('ERR_SAML_INVALID', 'The SAML response is not valid', { cause: error });
}

/**
 * A SAML 2.0 service provider (Web Browser SSO profile, HTTP-Redirect
 * requests, HTTP-POST responses) on @node-saml/node-saml, with the checks
 * node-saml leaves to its user added as named steps: structure and
 * algorithms before the signature ({@link inspectResponse}), then
 * `Destination`, `Recipient`, the confirmation's lifetime, and the replay
 * cache after it. One node-saml `SAML` object is made per call, so no state
 * of one request or IdP can leak into another.
 */
export class SamlServiceProvider {
  private readonly clock: SamlClock;
  private readonly skewMs: number;
  private readonly requestTtlMs: number;
  private readonly maxLength: number;
  private readonly replay: SamlReplayCache;
  private readonly requests: SamlRequestStore;

  constructor(readonly options: SamlServiceProviderOptions) {
    option(typeof options.entityId === 'string' && options.entityId.length > 0, 'entityId', 'is required');
    option(typeof options.acsUrl === 'string' && /^https?:\/\//.test(options.acsUrl), 'acsUrl', 'must be an http(s) URL');
    const skew = options.clockSkewSeconds ?? 60;
    option(Number.isInteger(skew) && skew >= 0 && skew <= 300, 'clockSkewSeconds', 'must be a whole number from 0 to 300');
    const ttl = options.requestTtlSeconds ?? 600;
    option(Number.isInteger(ttl) && ttl >= 30 && ttl <= 3600, 'requestTtlSeconds', 'must be a whole number from 30 to 3600');
    const max = options.maxResponseLength ?? 65536;
    option(Number.isInteger(max) && max >= 1024, 'maxResponseLength', 'must be a whole number >= 1024');
    if (options.signing) option(Boolean(options.signing.privateKey && options.signing.certificate), 'signing', 'needs both privateKey and certificate');
    this.clock = options.clock ?? systemSamlClock;
    this.skewMs = skew * 1000;
    this.requestTtlMs = ttl * 1000;
    this.maxLength = max;
    this.replay = options.replayCache ?? new MemorySamlReplayCache(this.clock);
    this.requests = options.requestStore ?? new MemorySamlRequestStore(this.clock);
  }

  /** The SP metadata XML (SAML 2.0 Metadata §2.4.4): entity id, ACS URL, signing certificate when requests are signed. */
  metadata(): string {
    return generateServiceProviderMetadata({
      issuer: this.options.entityId,
      callbackUrl: this.options.acsUrl,
      identifierFormat: this.options.nameIdFormat ?? null,
      wantAssertionsSigned: true,
      ...(this.options.signing ? { privateKey: this.options.signing.privateKey, publicCerts: this.options.signing.certificate, signatureAlgorithm: 'sha256' as const } : {}),
    });
  }

  /** The IdP URL that starts a sign-in: a (signed, when configured) AuthnRequest whose id is kept for `InResponseTo`. */
  async loginUrl(idp: SamlIdentityProvider, relayState = ''): Promise<string> {
    return this.saml(idp).getAuthorizeUrlAsync(relayState, undefined, {});
  }

  /** Structural checks and the (untrusted) issuer, to pick the IdP before validating. Throws {@link SamlError}. */
  inspect(samlResponse: unknown): InspectedResponse {
    return inspectResponse(samlResponse, this.maxLength);
  }

  /**
   * Validates an inspected response against `idp`: signature by a pinned
   * certificate, issuer, audience, times, `InResponseTo`, destination,
   * recipient, and one use only. Throws {@link SamlError}.
   */
  async validate(inspected: InspectedResponse, idp: SamlIdentityProvider): Promise<SamlIdentity> {
    // Step: Destination (SAML Bindings §3.5.5.2): a response addressed to another endpoint is not ours.
    if (inspected.destination !== undefined && inspected.destination !== this.options.acsUrl) {
      throw new SamlError('ERR_SAML_DESTINATION', 'The response was sent to another destination');
    }
    // Step: unsolicited responses only from an IdP allowed to send them (Profiles §4.1.5).
    const solicited = inspected.inResponseTo !== undefined;
    if (!solicited && !idp.allowIdpInitiated) {
      throw new SamlError('ERR_SAML_IDP_INITIATED', 'Sign-in must start at this service (IdP-initiated sign-in is not enabled for this identity provider)');
    }
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml(idp).validatePostResponseAsync({ SAMLResponse: inspected.base64 }));
    } catch (error) {
      throw classify(error);
    }
    if (!profile || typeof profile.nameID !== 'string' || profile.nameID === '' || !profile.getAssertionXml) {
      throw new SamlError('ERR_SAML_INVALID', 'The assertion names no subject');
    }
    const now = this.clock.now();
    const facts = checkSignedAssertion(profile.getAssertionXml(), this.options.acsUrl, now, this.skewMs);
    // Step: one use per assertion (Profiles §4.1.4.5), kept until it would expire anyway.
    const replayKey = createHash('sha256').update(`${profile.issuer}\n${facts.id}`).digest('hex');
    let fresh: boolean;
    try {
      fresh = await this.replay.markUsed(replayKey, facts.notOnOrAfter + this.skewMs);
    } catch (error) {
      throw new SamlError('ERR_SAML_UNAVAILABLE', 'Sign-in is temporarily unavailable; try again shortly', { cause: error });
    }
    if (!fresh) throw new SamlError('ERR_SAML_REPLAYED', 'This assertion has already been used');
    const attributes = attributesOf(profile);
    return {
      idpKey: idp.key,
      issuer: profile.issuer,
      nameId: profile.nameID,
      nameIdFormat: profile.nameIDFormat || undefined,
      email: emailOf(profile, attributes),
      attributes,
      assertionId: facts.id,
      sessionIndex: typeof profile.sessionIndex === 'string' ? profile.sessionIndex : undefined,
      solicited,
    };
  }

  private saml(idp: SamlIdentityProvider): SAML {
    const config: SamlConfig = {
      issuer: this.options.entityId,
      callbackUrl: this.options.acsUrl,
      entryPoint: idp.entryPoint,
      idpIssuer: idp.entityId,
      idpCert: [...idp.certificates],
      audience: this.options.entityId,
      // Signature required on the assertion itself, whatever the response carries.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      acceptedClockSkewMs: this.skewMs,
      validateInResponseTo: idp.allowIdpInitiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: this.requestTtlMs,
      cacheProvider: this.cacheFor(idp),
      identifierFormat: this.options.nameIdFormat ?? null,
      disableRequestedAuthnContext: true,
      ...(this.options.signing ? { privateKey: this.options.signing.privateKey, publicCert: this.options.signing.certificate } : {}),
    };
    return new SAML(config);
  }

  /** node-saml's cache, on our store, with keys bound to the IdP: a request sent to one IdP cannot be answered by another. */
  private cacheFor(idp: SamlIdentityProvider): CacheProvider {
    const prefix = `${createHash('sha256').update(idp.key).digest('hex').slice(0, 16)}:`;
    return {
      saveAsync: async (key, value) => {
        await this.requests.save(prefix + key, value, this.requestTtlMs);
        return { value, createdAt: this.clock.now() };
      },
      getAsync: (key) => this.requests.get(prefix + key),
      removeAsync: async (key) => {
        if (key === null) return null;
        await this.requests.remove(prefix + key);
        return key;
      },
    };
  }
}

function attributesOf(profile: Profile): Record<string, string[]> {
  const raw = (profile.attributes ?? {}) as Record<string, unknown>;
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (values.length) out[name] = values;
  }
  return out;
}

function emailOf(profile: Profile, attributes: Record<string, string[]>): string | undefined {
  const lower = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of EMAIL_ATTRIBUTES) {
    const value = lower[name.toLowerCase()]?.[0];
    if (value) return value.trim().toLowerCase();
  }
  return profile.nameIDFormat === EMAIL_FORMAT ? profile.nameID.trim().toLowerCase() : undefined;
}

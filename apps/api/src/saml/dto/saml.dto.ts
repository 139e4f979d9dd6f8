import { IsOptional, IsString, Matches } from 'class-validator';

/** `POST /v1/auth/saml/acs` (form-urlencoded, HTTP-POST binding). Size and content are checked by the SAML lib. */
export class SamlAcsDto {
  @IsString()
  SAMLResponse!: string;

  // Echoed by the IdP; not used for redirects (no open redirect).
  @IsOptional()
  @IsString()
  RelayState?: string;
}

/** `GET /v1/auth/saml/login` query. */
export class SamlLoginQuery {
  @Matches(/^[a-z0-9-]{1,63}$/, { message: 'tenant is a tenant slug such as acme' })
  tenant!: string;

  @IsOptional()
  @Matches(/^(env|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, { message: 'idp is an identity provider id' })
  idp?: string;
}

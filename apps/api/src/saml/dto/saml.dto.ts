import { IsOptionalNotNull } from '@bastion/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** `POST /v1/auth/saml/acs` (form-urlencoded, HTTP-POST binding). Size and content are checked by the SAML lib. */
export class SamlAcsDto {
  @ApiProperty({ description: 'The IdP\'s base64 `<samlp:Response>` (at most 64 kB), as its auto-submitted form posts it.', example: 'PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXM6bmFtZXM6dGM6U0FNTDoyLjA6cHJvdG9jb2wiIC4uLg==' })
  @IsString()
  SAMLResponse!: string;

  // Echoed by the IdP; not used for redirects (no open redirect).
  @ApiPropertyOptional({ description: 'Echoed by the IdP; ignored (never used as a redirect target).', example: 'xyz' })
  @IsOptionalNotNull()
  @IsString()
  RelayState?: string;
}

/** `GET /v1/auth/saml/login` query. */
export class SamlLoginQuery {
  @ApiProperty({ description: 'The tenant\'s slug.', example: 'acme', pattern: '^[a-z0-9-]{1,63}$' })
  @Matches(/^[a-z0-9-]{1,63}$/, { message: 'tenant is a tenant slug such as acme' })
  tenant!: string;

  @ApiPropertyOptional({ description: 'Which of the tenant\'s identity providers (its id, or `env` for the one in SAML_IDP_*); needed when it has several.', example: 'env' })
  @IsOptionalNotNull()
  @Matches(/^(env|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, { message: 'idp is an identity provider id' })
  idp?: string;
}

import { IsOptionalNotNull } from '@bastion/validation';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsString, IsUrl, Length, MaxLength } from 'class-validator';

const URL_OPTIONS = { require_protocol: true, protocols: ['https', 'http'], require_tld: false };

/** `POST /v1/saml/identity-providers`. */
export class CreateIdentityProviderDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Acme Okta' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ description: 'The Issuer its assertions carry; unique.', maxLength: 512, example: 'http://www.okta.com/exk1a2b3c4d5e6f7g8h9' })
  @IsString()
  @Length(1, 512)
  entityId!: string;

  @ApiProperty({ format: 'uri', maxLength: 2048, example: 'https://acme.okta.com/app/acme_bastion/exk1a2b3c4d5e6f7g8h9/sso/saml' })
  @IsUrl(URL_OPTIONS, { message: 'entryPoint must be an http(s) URL' })
  @MaxLength(2048)
  entryPoint!: string;

  /** PEM signing certificates; two during a rotation. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: 4, description: 'PEM signing certificates to pin; two during a rotation.', example: ['-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  certificates!: string[];

  @ApiPropertyOptional({ description: 'Accept responses the IdP sends unasked (no AuthnRequest of ours): off unless the IdP cannot do SP-initiated sign-in.', example: false })
  @IsOptionalNotNull()
  @IsBoolean()
  allowIdpInitiated?: boolean;

  /** IdP group name -> role (admin, editor, viewer). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string', enum: ['admin', 'editor', 'viewer'] }, description: 'IdP group name -> role.', example: { 'bastion-admins': 'admin', 'bastion-editors': 'editor' } })
  @IsOptionalNotNull()
  @IsObject()
  groupRoles?: Record<string, string>;

  @ApiPropertyOptional({ enum: ['admin', 'editor', 'viewer'], example: 'viewer' })
  @IsOptionalNotNull()
  @IsIn(['admin', 'editor', 'viewer'])
  defaultRole?: 'admin' | 'editor' | 'viewer';

  @ApiPropertyOptional({ example: true })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

/**
 * `PATCH /v1/saml/identity-providers/:id`: any of the fields, each with the
 * create rules (PartialType keeps the validation and the OpenAPI metadata).
 */
export class UpdateIdentityProviderDto extends PartialType(CreateIdentityProviderDto) {}

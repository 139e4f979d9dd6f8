import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUrl, Length, MaxLength } from 'class-validator';

const URL_OPTIONS = { require_protocol: true, protocols: ['https', 'http'], require_tld: false };

/** `POST /v1/saml/identity-providers`. */
export class CreateIdentityProviderDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsString()
  @Length(1, 512)
  entityId!: string;

  @IsUrl(URL_OPTIONS, { message: 'entryPoint must be an http(s) URL' })
  @MaxLength(2048)
  entryPoint!: string;

  /** PEM signing certificates; two during a rotation. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  certificates!: string[];

  @IsOptional()
  @IsBoolean()
  allowIdpInitiated?: boolean;

  /** IdP group name -> role (admin, editor, viewer). */
  @IsOptional()
  @IsObject()
  groupRoles?: Record<string, string>;

  @IsOptional()
  @IsIn(['admin', 'editor', 'viewer'])
  defaultRole?: 'admin' | 'editor' | 'viewer';

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** `PATCH /v1/saml/identity-providers/:id`: any of the fields. */
export class UpdateIdentityProviderDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(1, 512)
  entityId?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'entryPoint must be an http(s) URL' })
  @MaxLength(2048)
  entryPoint?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  certificates?: string[];

  @IsOptional()
  @IsBoolean()
  allowIdpInitiated?: boolean;

  @IsOptional()
  @IsObject()
  groupRoles?: Record<string, string>;

  @IsOptional()
  @IsIn(['admin', 'editor', 'viewer'])
  defaultRole?: 'admin' | 'editor' | 'viewer';

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

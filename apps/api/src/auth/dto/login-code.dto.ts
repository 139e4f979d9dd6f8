import { IsString, Matches, MaxLength } from 'class-validator';

/** `POST /v1/auth/login-code`: the one-time code an OIDC or SAML login redirected with. */
export class LoginCodeDto {
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'code is not a login code' })
  code!: string;
}

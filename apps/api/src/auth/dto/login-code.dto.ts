import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** `POST /v1/auth/login-code`: the one-time code an OIDC or SAML login redirected with. */
export class LoginCodeDto {
  @ApiProperty({ description: 'The `code` query parameter of the redirect that ended an OIDC or SAML sign-in; one use, 60 seconds.', example: 'q8Zk3m1nV0pXr7sT2uW5yA9bC4dE6fG8hJ1kL3mN5oP', pattern: '^[A-Za-z0-9_-]{43}$' })
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'code is not a login code' })
  code!: string;
}

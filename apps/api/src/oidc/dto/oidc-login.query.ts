import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** `GET /v1/auth/oidc/login?provider=`. */
export class OidcLoginQuery {
  @ApiProperty({ description: 'A provider name from `OIDC_LOGIN_PROVIDERS`.', example: 'bastion' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { message: 'provider must be a provider name' })
  provider!: string;
}

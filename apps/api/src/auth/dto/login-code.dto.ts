import { IsString, Matches } from 'class-validator';

/** `POST /v1/auth/login-code`. */
export class LoginCodeDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'code is not a login code' })
  code!: string;
}

import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

/** `POST /v1/auth/login`. */
export class LoginDto {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  // No policy here (that is for setting a password); only a bound on hashing work.
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

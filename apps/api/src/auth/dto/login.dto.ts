import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

/** `POST /v1/auth/login`. */
export class LoginDto {
  @ApiProperty({ example: 'alice@example.com', maxLength: 254, format: 'email' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  // No policy here (that is for setting a password); only a bound on hashing work.
  @ApiProperty({ example: 'Demo-Passw0rd!', minLength: 1, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** `PUT /v1/users/me/password`. The length rules here are a first gate; the password policy decides. */
export class ChangePasswordDto {
  @ApiProperty({ example: 'Demo-Passw0rd!', format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  currentPassword!: string;

  @ApiProperty({ example: 'correct horse battery staple 42', format: 'password', description: '12–128 characters, not a common or guessable password.' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword!: string;
}

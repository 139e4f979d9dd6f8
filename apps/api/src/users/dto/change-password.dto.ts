import { IsString, MaxLength, MinLength } from 'class-validator';

/** `PUT /v1/users/me/password`. The length rules here are a first gate; the password policy decides. */
export class ChangePasswordDto {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  currentPassword!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword!: string;
}

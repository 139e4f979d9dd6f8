import { IsOptionalNotNull } from '@bastion/validation';
import { IsString, MaxLength } from 'class-validator';

/** Every form posts its CSRF token; a missing one is refused by the controller like a wrong one (403). */
export class CsrfFormDto {
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(128)
  csrf?: string;
}

/** The sign-in form. */
export class LoginFormDto extends CsrfFormDto {
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;
}

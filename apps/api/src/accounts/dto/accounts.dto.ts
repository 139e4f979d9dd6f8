import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@bastion/validation';
import { IsEmail, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
// A link token: 32 random bytes in base64url. Anything else is refused before a lookup.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** An email address, as every account route takes it. */
export class EmailDto {
  @ApiProperty({ example: 'new.user@example.com', maxLength: 254, format: 'email' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;
}

/** `POST /v1/auth/signup`: a new tenant and its first admin, pending until the address is verified. */
export class SignupDto extends EmailDto {
  // The password policy (length, common passwords, not the email) is checked by the service.
  @ApiProperty({ example: 'a-Long-enough-passphrase', minLength: 12, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;

  @ApiProperty({ example: 'Nina New', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'displayName may not contain control characters' })
  displayName!: string;

  @ApiPropertyOptional({ example: 'Nina’s Startup', minLength: 1, maxLength: 200, description: 'The new tenant’s name. Default: "<displayName>’s organization".' })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRINTABLE, { message: 'organization may not contain control characters' })
  organization?: string;
}

/** A link token from a mail (`#token=` of the link). */
export class TokenDto {
  @ApiProperty({ example: 'q3J5bGx4Q2g0cE9kV0R2b1pqWVd0dG9rZW4tZXhhbXBsZQ', description: 'The token of the link (43 base64url characters).' })
  @IsString()
  @Matches(TOKEN, { message: 'token must be the 43-character token of a link' })
  token!: string;
}

/** `POST /v1/auth/password/reset`. */
export class ResetPasswordDto extends TokenDto {
  @ApiProperty({ example: 'a-Brand-new-passphrase', minLength: 12, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  newPassword!: string;
}

/** `POST /v1/invitations/accept`. */
export class AcceptInvitationDto extends TokenDto {
  @ApiProperty({ example: 'a-Long-enough-passphrase', minLength: 12, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;

  @ApiProperty({ example: 'Ivan Invited', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'displayName may not contain control characters' })
  displayName!: string;
}

/** `POST /v1/invitations`. */
export class CreateInvitationDto extends EmailDto {
  @ApiProperty({ enum: ['admin', 'editor', 'viewer'], example: 'editor' })
  @IsIn(['admin', 'editor', 'viewer'])
  role!: 'admin' | 'editor' | 'viewer';
}

/** The answer of every account request that names an email: the same whether or not it has an account. */
export class AcceptedDto {
  @ApiProperty({ example: 'accepted' })
  status!: 'accepted';

  @ApiProperty({ example: 'If the address can be used, a message with a link is on its way to it.' })
  detail!: string;
}

/** An invitation as admins see it (never its token). */
export class InvitationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'new.colleague@example.com' }) email!: string;
  @ApiProperty({ enum: ['admin', 'editor', 'viewer'] }) role!: string;
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status!: string;
  @ApiProperty({ format: 'uuid' }) invitedBy!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: Date;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

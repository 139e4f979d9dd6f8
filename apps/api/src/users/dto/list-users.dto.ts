import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A phone number as people write it: digits, spaces, dots, dashes, brackets, an optional leading +. */
export const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{5,30}$/;

/** `GET /v1/users?phone=`: the tenant's users, or (admins) the ones with this phone number. */
export class ListUsersQuery {
  @IsOptional()
  @IsString()
  @MaxLength(32)
  @Matches(PHONE_PATTERN, { message: 'phone must be a phone number (digits, spaces, + . - ( ))' })
  phone?: string;
}

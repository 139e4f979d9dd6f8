import { IsOptionalNotNull } from '@bastion/validation';
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** A phone number as people write it: digits, spaces, dots, dashes, brackets, an optional leading +. */
const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{5,30}$/;

/** The rules of a phone number wherever one is sent (the search query, the user update). */
export const IsPhoneNumber = () =>
  applyDecorators(IsString(), MaxLength(32), Matches(PHONE_PATTERN, { message: 'phone must be a phone number (digits, spaces, + . - ( ))' }));

/** `GET /v1/users?phone=`: the tenant's users, or (admins) the ones with this phone number. */
export class ListUsersQuery {
  @ApiPropertyOptional({ description: 'Admins only (403 otherwise): the users with this phone number, found by its blind index. Spaces, dots, dashes and brackets are ignored.', example: '+44 20 7946 0000', maxLength: 32 })
  @IsOptionalNotNull()
  @IsPhoneNumber()
  phone?: string;
}

import { IsOptionalNotNull } from '@bastion/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsPhoneNumber } from './list-users.dto';

/** `PATCH /v1/users/me`: one's own display fields. `role` and the rest are not fields here: sending them is a 400. */
export class UpdateMeDto {
  @ApiProperty({ example: 'Alice A.', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'displayName may not contain control characters' })
  displayName!: string;
}

/** `PATCH /v1/users/:id` (admins): role, department and status. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ['admin', 'editor', 'viewer'], example: 'viewer' })
  @IsOptionalNotNull()
  @IsIn(['admin', 'editor', 'viewer'])
  role?: 'admin' | 'editor' | 'viewer';

  @ApiPropertyOptional({ example: 'sales', pattern: '^[a-z][a-z0-9-]{1,63}$' })
  @IsOptionalNotNull()
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,63}$/, { message: 'department must be a lower-case slug' })
  department?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], example: 'disabled' })
  @IsOptionalNotNull()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  /** Encrypted at rest; admins find users by it (`GET /v1/users?phone=`). */
  @ApiPropertyOptional({ description: 'Encrypted at rest (AES-256-GCM); stored normalised (digits and a leading +). Admins find users by it with `GET /v1/users?phone=`.', example: '+44 20 7946 0000', maxLength: 32 })
  @IsOptionalNotNull()
  @IsPhoneNumber()
  phone?: string;
}

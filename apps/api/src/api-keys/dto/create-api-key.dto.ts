import { IsOptionalNotNull } from '@bastion/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDate, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SCOPES, type Scope } from '../../auth/scopes';

/** `POST /v1/api-keys`. */
export class CreateApiKeyDto {
  @ApiProperty({ example: 'reporting job', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[\p{L}\p{N} ._-]+$/u, { message: 'name may hold letters, digits, spaces and . _ -' })
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['documents:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true, message: `each scope must be one of: ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  /** Requests per minute for this key, below or above the API's per-client default. */
  @ApiPropertyOptional({ minimum: 1, maximum: 10_000, example: 60 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerMinute?: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-01-01T00:00:00Z' })
  @IsOptionalNotNull()
  @Type(() => Date)
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: Date;
}

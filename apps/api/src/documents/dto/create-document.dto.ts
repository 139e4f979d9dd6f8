import { IsOptionalNotNull } from '@bastion/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';

const CLASSIFICATIONS = ['public', 'internal', 'confidential'] as const;

/** `POST /v1/documents`. Tenant, owner and department come from the caller, never from the body. */
export class CreateDocumentDto {
  @ApiProperty({ example: 'Q3 roadmap', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiProperty({ example: 'What we ship next quarter.', maxLength: 50_000 })
  @IsString()
  @MaxLength(50_000)
  body!: string;

  @ApiPropertyOptional({ enum: CLASSIFICATIONS, example: 'internal', default: 'internal' })
  @IsOptionalNotNull()
  @IsIn(CLASSIFICATIONS, { message: `classification must be one of: ${CLASSIFICATIONS.join(', ')}` })
  classification?: (typeof CLASSIFICATIONS)[number];
}

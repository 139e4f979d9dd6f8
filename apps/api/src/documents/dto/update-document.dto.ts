import { IsOptionalNotNull } from '@bastion/validation';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';

/** `PATCH /v1/documents/:id`: only these fields exist for a client; each is checked against the ability too. */
export class UpdateDocumentDto {
  @ApiPropertyOptional({ example: 'Q3 roadmap (final)', minLength: 1, maxLength: 200 })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ example: 'Updated text.', maxLength: 50_000 })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(50_000)
  body?: string;

  @ApiPropertyOptional({ enum: ['public', 'internal', 'confidential'], example: 'confidential' })
  @IsOptionalNotNull()
  @IsIn(['public', 'internal', 'confidential'])
  classification?: 'public' | 'internal' | 'confidential';

  @ApiPropertyOptional({ enum: ['draft', 'published'], example: 'published' })
  @IsOptionalNotNull()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';
}

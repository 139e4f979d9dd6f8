import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** `PATCH /v1/documents/:id`: only these fields exist for a client; each is checked against the ability too. */
export class UpdateDocumentDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(50_000)
  body?: string;

  @IsOptional()
  @IsIn(['public', 'internal', 'confidential'])
  classification?: 'public' | 'internal' | 'confidential';

  @IsOptional()
  @IsIn(['draft', 'published'])
  status?: 'draft' | 'published';
}

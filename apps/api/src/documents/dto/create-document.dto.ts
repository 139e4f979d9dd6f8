import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

const CLASSIFICATIONS = ['public', 'internal', 'confidential'] as const;

/** `POST /v1/documents`. Tenant, owner and department come from the caller, never from the body. */
export class CreateDocumentDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @IsString()
  @MaxLength(50_000)
  body!: string;

  @IsOptional()
  @IsIn(CLASSIFICATIONS, { message: `classification must be one of: ${CLASSIFICATIONS.join(', ')}` })
  classification?: (typeof CLASSIFICATIONS)[number];
}

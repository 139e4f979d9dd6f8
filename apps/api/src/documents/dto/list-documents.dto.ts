import { IsOptionalNotNull } from '@bastion/validation';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

/** `GET /v1/documents?page=&pageSize=`: offset pages. */
export class ListDocumentsV1Query {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 10_000, default: 1, example: 1 })
  @IsOptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  page?: number;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 100, default: 20, example: 20 })
  @IsOptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** `GET /v2/documents?limit=&cursor=`: keyset pages, stable under inserts. */
export class ListDocumentsV2Query {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 100, default: 20, example: 20 })
  @IsOptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page; opaque.', pattern: '^[A-Za-z0-9_-]{10,200}$' })
  @IsOptionalNotNull()
  @Matches(/^[A-Za-z0-9_-]{10,200}$/, { message: 'cursor is not a cursor from a previous page' })
  cursor?: string;
}

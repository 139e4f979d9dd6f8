import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** `GET /v1/documents?page=&pageSize=`: offset pages. */
export class ListDocumentsV1Query {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** `GET /v2/documents?limit=&cursor=`: keyset pages, stable under inserts. */
export class ListDocumentsV2Query {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{10,200}$/, { message: 'cursor is not a cursor from a previous page' })
  cursor?: string;
}

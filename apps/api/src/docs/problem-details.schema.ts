import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** One field that failed validation. */
@ApiSchema({ name: 'FieldError' })
export class FieldErrorSchema {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ example: 'email must be an email address' })
  message!: string;
}

/**
 * The body of every error answer: RFC 9457 problem details with a stable
 * `code` and the request id (`@bastion/problem-details`). Documentation
 * only; the filter writes the body.
 */
@ApiSchema({ name: 'ProblemDetails', description: 'RFC 9457 problem details; `code` is stable, `detail` is for humans.' })
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ example: 'Unauthorized' })
  title!: string;

  @ApiProperty({ example: 401 })
  status!: number;

  @ApiPropertyOptional({ example: 'Authentication is required' })
  detail?: string;

  @ApiProperty({ example: '/v1/users/me', description: 'The path that was requested (no query string).' })
  instance!: string;

  @ApiProperty({ example: 'ERR_AUTH_CREDENTIALS_MISSING', description: 'Stable machine-readable code (`ERR_…`); branch on this, not on `detail`.' })
  code!: string;

  @ApiPropertyOptional({ example: '3f2b8c1e-4d5a-4f6b-9c7d-8e9f0a1b2c3d', description: 'Echo of `X-Request-Id`; quote it when reporting a problem.' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorSchema], description: 'Validation errors (400 `ERR_VALIDATION`), one per field.' })
  errors?: FieldErrorSchema[];
}

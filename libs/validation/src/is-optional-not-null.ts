import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The property may be left out; when it is sent, every rule applies, to
 * `null` as to any other value.
 *
 * class-validator's `@IsOptional()` skips the rules for `null` too, so
 * `{"title": null}` passes a DTO whose `title` is `@IsOptional() @IsString()`
 * and reaches the service: on a NOT NULL column that is a database error (a
 * 500), on a nullable one a silent clear nobody asked for. Use this instead,
 * and `@IsOptional()` only where `null` is a documented value.
 *
 * @example
 * class UpdateDocumentDto {
 *   @IsOptionalNotNull() @IsString() @MaxLength(200) title?: string;
 * }
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}

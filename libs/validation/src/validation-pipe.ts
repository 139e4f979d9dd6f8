import { BadRequestException, ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import type { FieldError } from './validation.error.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The strict global ValidationPipe: unknown properties are refused (not
 * silently stripped), unknown objects too, conversions only where a DTO asks
 * for them (`@Type`), and the 400 names every field's problem without
 * echoing values.
 *
 * @example app.useGlobalPipes(new JsonShapePipe(), createValidationPipe());
 */
export function createValidationPipe(overrides: ValidationPipeOptions = {}): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new BadRequestException({ message: 'The request is not valid', code: 'ERR_VALIDATION', errors: flatten(errors) }),
    ...overrides,
  });
}

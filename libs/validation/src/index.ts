export { createValidationPipe } from './validation-pipe';
export { JsonShapePipe } from './json-shape.pipe';
export type { JsonShapeOptions } from './json-shape.pipe';
export { BodyLimit, BodyLimitGuard, BODY_LIMIT_KEY } from './body-limit';
export type { FieldError } from './validation.error';
export { IsOptionalNotNull } from './is-optional-not-null';

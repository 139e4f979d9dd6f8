export { createValidationPipe } from './validation-pipe.js';
export { JsonShapePipe } from './json-shape.pipe.js';
export type { JsonShapeOptions } from './json-shape.pipe.js';
export { BodyLimit, BodyLimitGuard, BODY_LIMIT_KEY } from './body-limit.js';
export type { FieldError } from './validation.error.js';
export { IsOptionalNotNull } from './is-optional-not-null.js';

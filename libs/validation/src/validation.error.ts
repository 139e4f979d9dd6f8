/** One field's problem, as the 400 response lists it (RFC 9457 `errors` member). */
export interface FieldError {
  field: string;
  message: string;
}

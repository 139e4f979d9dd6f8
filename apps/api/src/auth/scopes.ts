/**
 * Every scope the demo API knows. A password login carries all of them; an
 * API key carries the ones it was created with.
 */
export const SCOPES = ['profile:read', 'documents:read', 'documents:write'] as const;

export type Scope = (typeof SCOPES)[number];

/** The token claims the demo puts in access tokens and reads back as principal attributes. */
export const ATTRIBUTE_CLAIMS = ['tid', 'role', 'dept'] as const;

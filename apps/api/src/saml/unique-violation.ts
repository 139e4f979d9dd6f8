/**
 * Whether `error` is a unique-constraint violation: Prisma's P2002, or the
 * driver adapter's own report of PostgreSQL's 23505 (PGlite and pg differ).
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: { kind?: unknown; code?: unknown } } | null;
  return e?.code === 'P2002' || e?.cause?.kind === 'UniqueConstraintViolation' || e?.cause?.code === '23505' || (typeof e?.message === 'string' && e.message.includes('Unique constraint failed'));
}

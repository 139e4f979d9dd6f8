import { Client } from 'pg';

// Prisma's migrate commands read catalog columns through @prisma/adapter-pg,
// which does not map these type ids and fails with "Column type 'name' could
// not be deserialized" (prisma issue 27403). They are all text-like: report
// them as text (25), and the name array as text[] (1009).
const AS_TEXT = new Set([18, 19, 22, 24, 28, 30, 194, 2205, 2206]);
const NAME_ARRAY = 1003;

interface Field {
  dataTypeID: number;
}

function relabel(result: unknown): unknown {
  for (const r of Array.isArray(result) ? result : [result]) {
    const fields = (r as { fields?: Field[] } | undefined)?.fields;
    for (const f of fields ?? []) {
      if (AS_TEXT.has(f.dataTypeID)) f.dataTypeID = 25;
      else if (f.dataTypeID === NAME_ARRAY) f.dataTypeID = 1009;
    }
  }
  return result;
}

/** A pg Client for the Prisma CLI only; the apps use the stock one. */
export class CatalogTypesClient extends Client {
  override query(...args: unknown[]): never {
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(relabel) : out) as never;
  }
}

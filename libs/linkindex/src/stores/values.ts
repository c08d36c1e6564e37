import { sql } from 'drizzle-orm';

/** Row ↔ domain helpers shared by the stores. */

/** A column's bare name, for hand-written SQL (drizzle would qualify it with the table). */
export function name(column: { name: string }) {
  return sql.identifier(column.name);
}

export function isoOrNull(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** The engine's times are ISO strings; a bad one is a bug of the caller, named here rather than deep in the driver. */
export function dateOf(iso: string, what: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is not an ISO time: ${JSON.stringify(iso)}`);
  return d;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

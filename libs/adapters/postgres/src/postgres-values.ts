import pg from 'pg';

/**
 * How column values become JSON-safe field values (every query passes these parsers, so they hold
 * for a pool handed in too, whatever its session time zone).
 *
 * - timestamptz → ISO 8601 with the server's microseconds, `2026-03-01T10:00:00.123456Z`;
 *   timestamp (no zone) → the same without `Z`; date → `2026-03-01`; time, interval → the server's text.
 * - int8 (bigint) and numeric → **strings** (exact; a JS number would round above 2^53 or lose
 *   decimals); int2, int4, float4, float8 → numbers; bool → boolean; json/jsonb → parsed values.
 * - bytea → the server's hex text `\x…` (writes accept it back); arrays → arrays of the above.
 */
const OID = {
  bytea: 17, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, interval: 1186, timetz: 1266,
  byteaArray: 1001, textArray: 1009, timestampArray: 1115, dateArray: 1182, timeArray: 1183, timestamptzArray: 1185,
  intervalArray: 1187, timetzArray: 1270,
} as const;

const identity = (value: string) => value;

/**
 * The server's text of a timestamp as ISO 8601 with all six fraction digits:
 * `2026-03-01 11:00:00.12+01` → `2026-03-01T10:00:00.120000Z` (any session time zone);
 * `2026-03-01 10:00:00` (timestamp without time zone) → `2026-03-01T10:00:00.000000` (no zone, as stored).
 * Infinity, BC and years before 1000 keep the server's text.
 */
export function isoFromPgTimestamp(text: string): string {
  const m = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/.exec(text);
  if (!m || m[12] || Number(m[1]) < 1000) return text;
  const micro = (m[7] ?? '').padEnd(6, '0');
  if (!m[8]) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${micro}`;
  const offsetSec = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0));
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetSec * 1000;
  return `${new Date(utc).toISOString().slice(0, -5)}.${micro}Z`;
}

const textArray = pg.types.getTypeParser(OID.textArray as unknown as Parameters<typeof pg.types.getTypeParser>[0]) as unknown as (value: string) => (string | null)[];
const arrayOf = (each: (value: string) => string) => (value: string) => textArray(value).map((v) => (v === null ? null : each(v)));

const PARSERS: Record<number, (value: string) => unknown> = {
  [OID.bytea]: identity,
  [OID.date]: identity,
  [OID.time]: identity,
  [OID.timetz]: identity,
  [OID.interval]: identity,
  [OID.timestamp]: isoFromPgTimestamp,
  [OID.timestamptz]: isoFromPgTimestamp,
  [OID.byteaArray]: arrayOf(identity),
  [OID.dateArray]: arrayOf(identity),
  [OID.timeArray]: arrayOf(identity),
  [OID.timetzArray]: arrayOf(identity),
  [OID.intervalArray]: arrayOf(identity),
  [OID.timestampArray]: arrayOf(isoFromPgTimestamp),
  [OID.timestamptzArray]: arrayOf(isoFromPgTimestamp),
};

/** The pool's type parsers: the list above, pg's defaults for everything else. */
export const POSTGRES_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const own = format !== 'binary' ? PARSERS[oid] : undefined;
    return own ?? pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Builders for `filterByFormula`. String literals use single quotes with backslash escapes
 * (the escaping pyairtable uses), field names are wrapped in braces with `}` escaped.
 */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function fieldRef(name: string): string {
  return `{${name.replace(/}/g, '\\}')}}`;
}

/**
 * Records modified at `sinceIso` or later. Airtable has no "at or after", so this asks for
 * "after one second before": whole-second times make the two the same, and finer ones only
 * widen the overlap.
 */
export function modifiedSinceFormula(sinceIso: string, field: string | undefined): string {
  const from = new Date(Date.parse(sinceIso) - 1000).toISOString();
  const subject = field === undefined ? 'LAST_MODIFIED_TIME()' : fieldRef(field);
  return `IS_AFTER(${subject}, ${quoteString(from)})`;
}

/** `OR(RECORD_ID()='rec1', …)`: the records with these ids. */
export function recordIdsFormula(ids: readonly string[]): string {
  const terms = ids.map((id) => `RECORD_ID()=${quoteString(id)}`);
  return terms.length === 1 ? terms[0]! : `OR(${terms.join(',')})`;
}

/** `OR({field}='v1', …)`; one value needs no OR. */
export function equalsAnyFormula(field: string, values: readonly string[]): string {
  const terms = values.map((v) => `${fieldRef(field)}=${quoteString(v)}`);
  return terms.length === 1 ? terms[0]! : `OR(${terms.join(',')})`;
}

/**
 * Splits `values` into groups whose formula stays within `maxEncodedLength` once URL-encoded,
 * so a GET stays under Airtable's 16,000-character URL limit.
 */
export function chunkValuesForUrl(field: string, values: readonly string[], maxEncodedLength: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = encodeURIComponent('OR()').length;
  for (const value of values) {
    const termLength = encodeURIComponent(`${fieldRef(field)}=${quoteString(value)},`).length;
    if (termLength + encodeURIComponent('OR()').length > maxEncodedLength) {
      throw new RangeError(`value too long for a filterByFormula lookup on ${field}`);
    }
    if (current.length > 0 && length + termLength > maxEncodedLength) {
      chunks.push(current);
      current = [];
      length = encodeURIComponent('OR()').length;
    }
    current.push(value);
    length += termLength;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

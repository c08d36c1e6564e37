import { randomBytes } from 'node:crypto';
import { FormulaError, evaluate, parseFormula, referencedFields, truthy } from './airtable-formula-eval.js';
import type { FormulaValue } from './airtable-formula-eval.js';

/** Field types the fake knows. Writable ones validate their values; computed ones refuse writes. */
export type AirtableFakeFieldType =
  | 'singleLineText' | 'multilineText' | 'richText' | 'email' | 'url' | 'phoneNumber'
  | 'number' | 'currency' | 'percent' | 'rating' | 'duration' | 'checkbox'
  | 'singleSelect' | 'multipleSelects' | 'multipleRecordLinks' | 'multipleAttachments'
  | 'date' | 'dateTime' | 'multipleCollaborators'
  | AirtableComputedFieldType;

export type AirtableComputedFieldType =
  | 'formula' | 'rollup' | 'count' | 'multipleLookupValues' | 'autoNumber' | 'createdTime'
  | 'lastModifiedTime' | 'createdBy' | 'lastModifiedBy' | 'button';

const COMPUTED = new Set<AirtableFakeFieldType>([
  'formula', 'rollup', 'count', 'multipleLookupValues', 'autoNumber', 'createdTime', 'lastModifiedTime', 'createdBy', 'lastModifiedBy', 'button',
]);
const TEXT = new Set<AirtableFakeFieldType>(['singleLineText', 'multilineText', 'richText', 'email', 'url', 'phoneNumber']);
const NUMERIC = new Set<AirtableFakeFieldType>(['number', 'currency', 'percent', 'rating', 'duration']);

export interface AirtableFakeFieldSpec {
  readonly name: string;
  readonly type: AirtableFakeFieldType;
  /** `fld…`; generated when absent. */
  readonly id?: string;
  /** singleSelect / multipleSelects: the known option names (typecast adds more). */
  readonly choices?: readonly string[];
  /** multipleRecordLinks: the linked table's name or id (ids must exist there). */
  readonly linkedTable?: string;
  /** formula, rollup, count, lookup, button: the value, from the record's stored cells by name. */
  readonly compute?: (record: { id: string; fields: Readonly<Record<string, unknown>> }) => unknown;
}

export interface AirtableFakeTableSpec {
  readonly name: string;
  /** `tbl…`; generated when absent. */
  readonly id?: string;
  readonly fields: readonly AirtableFakeFieldSpec[];
}

export interface AirtableFakeBaseSpec {
  readonly tables: readonly AirtableFakeTableSpec[];
}

/** A record as the API shows it. */
export interface AirtableFakeApiRecord {
  id: string;
  createdTime: string;
  fields: Record<string, unknown>;
}

/** A refusal the API would send: `{"error":{"type","message"}}` with `status`. */
export class FakeApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

interface Field {
  id: string;
  name: string;
  type: AirtableFakeFieldType;
  choices: Set<string>;
  linkedTable?: string;
  compute?: AirtableFakeFieldSpec['compute'];
}

interface Table {
  id: string;
  name: string;
  fields: Field[];
  autoNumber: number;
}

interface StoredRecord {
  id: string;
  tableId: string;
  createdMs: number;
  modifiedMs: number;
  autoNumber: number;
  /** Writable cell values by field id (empties kept out). */
  cells: Map<string, unknown>;
}

interface Iterator {
  ids: string[];
  pos: number;
  tableId: string;
  expired: boolean;
}

export interface ListParams {
  pageSize?: number;
  maxRecords?: number;
  offset?: string;
  sort?: { field: string; direction?: string }[];
  filterByFormula?: string;
  fields?: string[];
  returnFieldsByFieldId?: boolean;
}

export interface WriteInput {
  id?: string;
  fields: Record<string, unknown>;
}

export interface UpsertResult {
  records: StoredRecord[];
  createdRecords: string[];
  updatedRecords: string[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix` + 14 alphanumerics, as Airtable's ids. */
export function airtableId(prefix: string): string {
  const bytes = randomBytes(14);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/** One base of the fake: tables with schemas, records (ids unique across the base), iterators. */
export class FakeBase {
  readonly tables: Table[];
  readonly records = new Map<string, StoredRecord>();
  private readonly iterators = new Map<string, Iterator>();

  constructor(spec: AirtableFakeBaseSpec, private readonly now: () => number, private readonly attachmentUrl: (id: string, filename: string) => string) {
    this.tables = spec.tables.map((t) => ({
      id: t.id ?? airtableId('tbl'),
      name: t.name,
      autoNumber: 0,
      fields: t.fields.map((f) => ({
        id: f.id ?? airtableId('fld'),
        name: f.name,
        type: f.type,
        choices: new Set(f.choices ?? []),
        ...(f.linkedTable !== undefined ? { linkedTable: f.linkedTable } : {}),
        ...(f.compute ? { compute: f.compute } : {}),
      })),
    }));
  }

  table(nameOrId: string): Table {
    const t = this.tables.find((x) => x.id === nameOrId || x.name === nameOrId);
    if (!t) throw new FakeApiError(404, 'TABLE_NOT_FOUND', `Could not find table ${nameOrId} in this base`);
    return t;
  }

  expireIterators(): void {
    for (const it of this.iterators.values()) it.expired = true;
  }

  // ---- reads -------------------------------------------------------------------------------

  toApi(table: Table, r: StoredRecord, options: { byId?: boolean; only?: string[] } = {}): AirtableFakeApiRecord {
    const fields: Record<string, unknown> = {};
    const byName = this.namedCells(table, r);
    for (const f of table.fields) {
      if (options.only && !options.only.includes(f.name) && !options.only.includes(f.id)) continue;
      const value = this.valueOf(table, f, r, byName);
      // Airtable never returns empty values: false, "", [] and null are left out.
      if (value === undefined || value === null || value === false || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      fields[options.byId ? f.id : f.name] = structuredClone(value);
    }
    return { id: r.id, createdTime: new Date(r.createdMs).toISOString(), fields };
  }

  list(table: Table, params: ListParams): { records: AirtableFakeApiRecord[]; offset?: string } {
    const pageSize = params.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new FakeApiError(422, 'INVALID_REQUEST_UNKNOWN', 'Invalid request: parameter validation failed. Check your request data.');
    }
    let iterator: Iterator;
    let iteratorId: string;
    if (params.offset !== undefined) {
      iteratorId = params.offset.split('/')[0]!;
      const found = this.iterators.get(iteratorId);
      if (!found || found.tableId !== table.id) throw new FakeApiError(422, 'INVALID_REQUEST_UNKNOWN', 'Invalid offset');
      if (found.expired) throw new FakeApiError(422, 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE', 'The iterator is not available');
      iterator = found;
    } else {
      // The order and membership are fixed by the first request; values stay current.
      iteratorId = airtableId('itr');
      iterator = { ids: this.select(table, params).map((r) => r.id), pos: 0, tableId: table.id, expired: false };
      this.iterators.set(iteratorId, iterator);
    }
    const records: AirtableFakeApiRecord[] = [];
    while (iterator.pos < iterator.ids.length && records.length < pageSize) {
      const r = this.records.get(iterator.ids[iterator.pos++]!);
      if (r) {
        records.push(this.toApi(table, r, {
          ...(params.returnFieldsByFieldId ? { byId: true } : {}),
          ...(params.fields && params.fields.length > 0 ? { only: params.fields } : {}),
        }));
      }
    }
    if (iterator.pos >= iterator.ids.length) {
      this.iterators.delete(iteratorId);
      return { records };
    }
    return { records, offset: `${iteratorId}/${iterator.ids[iterator.pos - 1]}` };
  }

  private select(table: Table, params: ListParams): StoredRecord[] {
    let rows = [...this.records.values()].filter((r) => r.tableId === table.id);
    if (params.filterByFormula) {
      let node;
      try {
        node = parseFormula(params.filterByFormula);
      } catch (err) {
        throw new FakeApiError(422, 'INVALID_FILTER_BY_FORMULA', `The formula for filtering records is invalid: ${(err as Error).message}`);
      }
      const unknown = referencedFields(node).filter((n) => !this.fieldOf(table, n));
      if (unknown.length > 0) {
        throw new FakeApiError(422, 'INVALID_FILTER_BY_FORMULA', `The formula for filtering records is invalid: Unknown field names: ${unknown.join(', ')}`);
      }
      rows = rows.filter((r) => {
        const named = this.namedCells(table, r);
        try {
          return truthy(evaluate(node, {
            id: r.id,
            createdTime: new Date(r.createdMs).toISOString(),
            lastModifiedTime: new Date(r.modifiedMs).toISOString(),
            field: (name) => toFormulaValue(this.valueOf(table, this.fieldOf(table, name)!, r, named)),
          }));
        } catch (err) {
          if (err instanceof FormulaError) throw new FakeApiError(422, 'INVALID_FILTER_BY_FORMULA', `The formula for filtering records is invalid: ${err.message}`);
          throw err;
        }
      });
    }
    for (const s of [...(params.sort ?? [])].reverse()) {
      const f = this.fieldOf(table, s.field);
      if (!f) throw new FakeApiError(422, 'INVALID_SORT_FIELD', `Unknown field name: "${s.field}"`);
      const dir = s.direction === 'desc' ? -1 : 1;
      // A stable sort applied from the last key to the first gives a multi-key sort.
      rows = rows
        .map((r) => ({ r, v: this.valueOf(table, f, r, this.namedCells(table, r)) }))
        .sort((a, b) => dir * compareCells(a.v, b.v))
        .map((x) => x.r);
    }
    return params.maxRecords !== undefined ? rows.slice(0, params.maxRecords) : rows;
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Creates all or none. */
  create(table: Table, inputs: WriteInput[], typecast: boolean): StoredRecord[] {
    const prepared = inputs.map((input) => this.prepareCells(table, input.fields, typecast, undefined));
    return prepared.map((cells) => this.insertPrepared(table, cells));
  }

  /** Updates all or none: PATCH merges, PUT (`replace`) clears every writable cell not given. */
  update(table: Table, inputs: WriteInput[], options: { replace: boolean; typecast: boolean; mergeOn?: string[] }): UpsertResult {
    const plan: { target?: StoredRecord; cells: Map<string, unknown> }[] = [];
    const createdRecords: string[] = [];
    const updatedRecords: string[] = [];
    for (const input of inputs) {
      let target: StoredRecord | undefined;
      if (input.id !== undefined) {
        target = this.records.get(input.id);
        if (!target || target.tableId !== table.id) {
          throw new FakeApiError(422, 'ROW_DOES_NOT_EXIST', `Record ID ${input.id} does not exist in this table`);
        }
      } else if (options.mergeOn) {
        const matches = this.matchOn(table, options.mergeOn, input.fields);
        if (matches.length > 1) {
          throw new FakeApiError(422, 'INVALID_VALUE_FOR_COLUMN', `Multiple records match the fields to merge on: ${options.mergeOn.join(', ')}`);
        }
        target = matches[0];
      } else {
        throw new FakeApiError(422, 'INVALID_RECORDS', 'Each record must have an id');
      }
      plan.push({ ...(target ? { target } : {}), cells: this.prepareCells(table, input.fields, options.typecast, target) });
    }
    const records = plan.map(({ target, cells }) => {
      if (!target) {
        const created = this.insertPrepared(table, cells);
        createdRecords.push(created.id);
        return created;
      }
      updatedRecords.push(target.id);
      if (options.replace) {
        for (const f of table.fields) if (!COMPUTED.has(f.type) && !cells.has(f.id)) target.cells.delete(f.id);
      }
      for (const [id, v] of cells) {
        if (isEmptyCell(v)) target.cells.delete(id);
        else target.cells.set(id, v);
      }
      target.modifiedMs = seconds(this.now());
      return target;
    });
    return { records, createdRecords, updatedRecords };
  }

  /** Deletes all or none. */
  delete(table: Table, ids: string[]): string[] {
    for (const id of ids) {
      const r = this.records.get(id);
      if (!r || r.tableId !== table.id) throw new FakeApiError(404, 'MODEL_ID_NOT_FOUND', 'Record not found');
    }
    for (const id of ids) this.records.delete(id);
    return ids;
  }

  private insertPrepared(table: Table, cells: Map<string, unknown>): StoredRecord {
    const now = seconds(this.now());
    const r: StoredRecord = { id: airtableId('rec'), tableId: table.id, createdMs: now, modifiedMs: now, autoNumber: ++table.autoNumber, cells: new Map() };
    for (const [id, v] of cells) if (!isEmptyCell(v)) r.cells.set(id, v);
    this.records.set(r.id, r);
    return r;
  }

  private matchOn(table: Table, mergeOn: string[], fields: Record<string, unknown>): StoredRecord[] {
    const keys = mergeOn.map((n) => {
      const f = this.fieldOf(table, n);
      if (!f) throw new FakeApiError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${n}"`);
      return f;
    });
    return [...this.records.values()].filter((r) => r.tableId === table.id &&
      keys.every((f) => JSON.stringify(r.cells.get(f.id) ?? null) === JSON.stringify(fields[f.name] ?? fields[f.id] ?? null)));
  }

  /** Validates one record's cells; throws the error Airtable sends for the first bad one. */
  private prepareCells(table: Table, fields: Record<string, unknown>, typecast: boolean, existing: StoredRecord | undefined): Map<string, unknown> {
    if (!fields || typeof fields !== 'object') throw new FakeApiError(422, 'INVALID_REQUEST_UNKNOWN', 'Invalid request: each record needs fields');
    const cells = new Map<string, unknown>();
    for (const [key, value] of Object.entries(fields)) {
      const f = this.fieldOf(table, key);
      if (!f) throw new FakeApiError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${key}"`);
      if (COMPUTED.has(f.type)) {
        throw new FakeApiError(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${f.name}" cannot accept a value because the field is computed`);
      }
      cells.set(f.id, value === null ? null : this.cellValue(table, f, value, typecast, existing));
    }
    return cells;
  }

  private cellValue(table: Table, f: Field, value: unknown, typecast: boolean, existing: StoredRecord | undefined): unknown {
    const bad = (why = 'cannot accept the provided value') =>
      new FakeApiError(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${f.name}" ${why}`);
    if (TEXT.has(f.type)) {
      if (typeof value === 'string') return value;
      if (typecast && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
      throw bad(`cannot accept the provided value: expected a string`);
    }
    if (NUMERIC.has(f.type)) {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typecast && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw bad(`cannot accept the provided value: Cannot parse value "${String(value)}" for field ${f.name}`);
    }
    switch (f.type) {
      case 'checkbox':
        if (typeof value === 'boolean') return value;
        if (typecast) return value === 'true' || value === 1 || value === '1' || value === 'checked';
        throw bad('cannot accept the provided value: expected a boolean');
      case 'singleSelect':
        if (typeof value !== 'string') throw bad('cannot accept the provided value: expected an option name');
        return this.option(f, value, typecast);
      case 'multipleSelects': {
        const names = Array.isArray(value) ? value : typecast && typeof value === 'string' ? value.split(',').map((s) => s.trim()) : null;
        if (!names || names.some((n) => typeof n !== 'string')) throw bad('cannot accept the provided value: expected an array of option names');
        return [...new Set(names.map((n: string) => this.option(f, n, typecast)))];
      }
      case 'multipleRecordLinks': {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad('cannot accept the provided value: Value is not an array of record IDs.');
        const linked = f.linkedTable !== undefined ? this.table(f.linkedTable) : undefined;
        for (const id of value as string[]) {
          const target = this.records.get(id);
          if (!target || (linked && target.tableId !== linked.id)) {
            throw new FakeApiError(422, 'ROW_DOES_NOT_EXIST', `Record ID ${id} does not exist in this table`);
          }
        }
        return [...value];
      }
      case 'multipleAttachments':
        return this.attachments(f, value, existing, bad);
      case 'date':
      case 'dateTime': {
        const ms = typeof value === 'string' ? Date.parse(value) : NaN;
        if (!Number.isFinite(ms)) throw bad(`cannot accept the provided value: Cannot parse date value "${String(value)}"`);
        return f.type === 'date' ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString();
      }
      case 'multipleCollaborators':
        if (!Array.isArray(value)) throw bad('cannot accept the provided value: expected an array of collaborators');
        return value.map((c) => structuredClone(c));
      default:
        return value;
    }
  }

  private option(f: Field, name: string, typecast: boolean): string {
    if (f.choices.has(name)) return name;
    if (typecast) {
      f.choices.add(name);
      return name;
    }
    throw new FakeApiError(422, 'INVALID_MULTIPLE_CHOICE_OPTIONS', `Insufficient permissions to create new select option ""${name}""`);
  }

  /** `{id}` keeps an attachment of this cell; `{url, filename?}` copies a file: new id, new URL. */
  private attachments(f: Field, value: unknown, existing: StoredRecord | undefined, bad: (why?: string) => FakeApiError): unknown[] {
    if (!Array.isArray(value)) throw bad('cannot accept the provided value: expected an array of attachment objects');
    const current = (existing?.cells.get(f.id) as { id: string }[] | undefined) ?? [];
    return value.map((item) => {
      if (!item || typeof item !== 'object') throw bad('cannot accept the provided value: expected attachment objects');
      const a = item as { id?: unknown; url?: unknown; filename?: unknown };
      if (typeof a.id === 'string' && a.url === undefined) {
        const kept = current.find((c) => c.id === a.id);
        if (!kept) throw bad(`cannot accept the provided value: unknown attachment ${a.id}`);
        return structuredClone(kept);
      }
      if (typeof a.url !== 'string' || !/^https?:\/\//.test(a.url)) throw bad('cannot accept the provided value: attachment url must be an http(s) URL');
      const filename = typeof a.filename === 'string' && a.filename ? a.filename : decodeURIComponent(new URL(a.url).pathname.split('/').pop() || 'file');
      const id = airtableId('att');
      return { id, url: this.attachmentUrl(id, filename), filename, size: fakeSize(a.url), type: mimeOf(filename) };
    });
  }

  fieldOf(table: Table, nameOrId: string): Field | undefined {
    return table.fields.find((f) => f.name === nameOrId || f.id === nameOrId);
  }

  private namedCells(table: Table, r: StoredRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of table.fields) if (r.cells.has(f.id)) out[f.name] = r.cells.get(f.id);
    return out;
  }

  private valueOf(table: Table, f: Field, r: StoredRecord, named: Record<string, unknown>): unknown {
    switch (f.type) {
      case 'createdTime': return new Date(r.createdMs).toISOString();
      case 'lastModifiedTime': return new Date(r.modifiedMs).toISOString();
      case 'autoNumber': return r.autoNumber;
      default:
        if (COMPUTED.has(f.type)) return f.compute ? f.compute({ id: r.id, fields: named }) : undefined;
        return r.cells.get(f.id);
    }
  }
}

function isEmptyCell(v: unknown): boolean {
  return v === null || v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0);
}

function toFormulaValue(v: unknown): FormulaValue {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? String((x as { filename?: unknown; name?: unknown }).filename ?? (x as { name?: unknown }).name ?? '') : toFormulaValue(x)));
  if (typeof v === 'object') return JSON.stringify(v);
  return v as FormulaValue;
}

function compareCells(a: unknown, b: unknown): number {
  // Empty cells sort first ascending, as in Airtable's grid.
  const ea = isEmptyCell(a);
  const eb = isEmptyCell(b);
  if (ea || eb) return ea && eb ? 0 : ea ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = Array.isArray(a) ? a.join(', ') : String(a);
  const sb = Array.isArray(b) ? b.join(', ') : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function fakeSize(url: string): number {
  let h = 0;
  for (const c of url) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 1000 + (h % 100_000);
}

function mimeOf(filename: string): string {
  const ext = filename.split('.').pop()?.toLowerCase();
  const types: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf', txt: 'text/plain' };
  return (ext && types[ext]) || 'application/octet-stream';
}

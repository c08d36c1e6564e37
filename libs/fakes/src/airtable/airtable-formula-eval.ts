/**
 * The subset of Airtable's formula language the fake needs for `filterByFormula`: `{field}`
 * references, '…' / "…" strings with backslash escapes, numbers, `= != < > <= >=`, `&`, and the
 * functions AND, OR, NOT, IF, IS_AFTER, IS_BEFORE, IS_SAME, LAST_MODIFIED_TIME, CREATED_TIME,
 * RECORD_ID, TRUE, FALSE, BLANK, LOWER, UPPER, LEN, FIND.
 */

export type FormulaValue = string | number | boolean | null | readonly FormulaValue[];

export interface FormulaRecord {
  readonly id: string;
  readonly createdTime: string;
  readonly lastModifiedTime: string;
  /** The value of a field by name or id; throws FormulaError for an unknown field. */
  field(name: string): FormulaValue;
}

export class FormulaError extends Error {}

type Node =
  | { kind: 'lit'; value: FormulaValue }
  | { kind: 'field'; name: string }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'bin'; op: string; left: Node; right: Node };

type Token = { t: 'str' | 'num' | 'field' | 'ident' | 'op' | 'punc'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) { s += src[i + 1]; i += 2; } else { s += src[i]; i++; }
      }
      if (i >= src.length) throw new FormulaError('unterminated string');
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    if (c === '{') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '}') {
        if (src[i] === '\\' && i + 1 < src.length) { s += src[i + 1]; i += 2; } else { s += src[i]; i++; }
      }
      if (i >= src.length) throw new FormulaError('unterminated field reference');
      i++;
      out.push({ t: 'field', v: s });
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (ident) { out.push({ t: 'ident', v: ident[0] }); i += ident[0].length; continue; }
    const op = /^(<=|>=|!=|=|<|>|&)/.exec(src.slice(i));
    if (op) { out.push({ t: 'op', v: op[0] }); i += op[0].length; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: 'punc', v: c }); i++; continue; }
    throw new FormulaError(`unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}

export function parseFormula(src: string): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (v: string) => {
    const t = tokens[pos++];
    if (!t || t.v !== v) throw new FormulaError(`expected ${v}`);
  };
  const comparison = (): Node => {
    let left = concat();
    const t = peek();
    if (t?.t === 'op' && t.v !== '&') {
      pos++;
      left = { kind: 'bin', op: t.v, left, right: concat() };
    }
    return left;
  };
  const concat = (): Node => {
    let left = primary();
    while (peek()?.t === 'op' && peek()!.v === '&') {
      pos++;
      left = { kind: 'bin', op: '&', left, right: primary() };
    }
    return left;
  };
  const primary = (): Node => {
    const t = tokens[pos++];
    if (!t) throw new FormulaError('unexpected end of formula');
    if (t.t === 'str') return { kind: 'lit', value: t.v };
    if (t.t === 'num') return { kind: 'lit', value: Number(t.v) };
    if (t.t === 'field') return { kind: 'field', name: t.v };
    if (t.t === 'punc' && t.v === '(') {
      const inner = comparison();
      expect(')');
      return inner;
    }
    if (t.t === 'ident') {
      expect('(');
      const args: Node[] = [];
      if (peek()?.v !== ')') {
        args.push(comparison());
        while (peek()?.v === ',') { pos++; args.push(comparison()); }
      }
      expect(')');
      return { kind: 'call', name: t.v.toUpperCase(), args };
    }
    throw new FormulaError(`unexpected ${t.v}`);
  };
  const node = comparison();
  if (pos !== tokens.length) throw new FormulaError(`unexpected ${tokens[pos]!.v}`);
  return node;
}

/** Field names a formula references (to report unknown ones before evaluating). */
export function referencedFields(node: Node): string[] {
  switch (node.kind) {
    case 'field': return [node.name];
    case 'call': return node.args.flatMap(referencedFields);
    case 'bin': return [...referencedFields(node.left), ...referencedFields(node.right)];
    default: return [];
  }
}

export function evaluate(node: Node, rec: FormulaRecord): FormulaValue {
  switch (node.kind) {
    case 'lit': return node.value;
    case 'field': return rec.field(node.name);
    case 'bin': return binary(node.op, evaluate(node.left, rec), evaluate(node.right, rec));
    case 'call': return call(node.name, node.args, rec);
  }
}

export function truthy(v: FormulaValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== false && v !== 0 && v !== '';
}

function text(v: FormulaValue): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(text).join(', ');
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

function time(v: FormulaValue): number {
  const ms = Date.parse(text(v));
  return Number.isFinite(ms) ? ms : NaN;
}

function binary(op: string, a: FormulaValue, b: FormulaValue): FormulaValue {
  if (op === '&') return text(a) + text(b);
  if (op === '=' || op === '!=') {
    const equal = typeof a === 'number' && typeof b === 'number' ? a === b : text(a) === text(b);
    return op === '=' ? equal : !equal;
  }
  const x = typeof a === 'number' ? a : Number(text(a));
  const y = typeof b === 'number' ? b : Number(text(b));
  const [l, r] = Number.isFinite(x) && Number.isFinite(y) ? [x, y] : [text(a), text(b)];
  switch (op) {
    case '<': return l < r;
    case '>': return l > r;
    case '<=': return l <= r;
    case '>=': return l >= r;
  }
  throw new FormulaError(`unknown operator ${op}`);
}

function call(name: string, args: Node[], rec: FormulaRecord): FormulaValue {
  const arg = (i: number) => {
    const n = args[i];
    if (!n) throw new FormulaError(`${name}: missing argument ${i + 1}`);
    return evaluate(n, rec);
  };
  switch (name) {
    case 'AND': return args.every((a) => truthy(evaluate(a, rec)));
    case 'OR': return args.some((a) => truthy(evaluate(a, rec)));
    case 'NOT': return !truthy(arg(0));
    case 'IF': return truthy(arg(0)) ? arg(1) : args[2] ? arg(2) : null;
    case 'TRUE': return true;
    case 'FALSE': return false;
    case 'BLANK': return null;
    case 'RECORD_ID': return rec.id;
    case 'CREATED_TIME': return rec.createdTime;
    case 'LAST_MODIFIED_TIME': return rec.lastModifiedTime;
    case 'IS_AFTER': return time(arg(0)) > time(arg(1));
    case 'IS_BEFORE': return time(arg(0)) < time(arg(1));
    case 'IS_SAME': return time(arg(0)) === time(arg(1));
    case 'LOWER': return text(arg(0)).toLowerCase();
    case 'UPPER': return text(arg(0)).toUpperCase();
    case 'LEN': return text(arg(0)).length;
    case 'FIND': return text(arg(1)).indexOf(text(arg(0))) + 1;
  }
  throw new FormulaError(`unknown function ${name}`);
}

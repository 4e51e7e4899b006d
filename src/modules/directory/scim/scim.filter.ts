import { ScimErrors } from './scim.errors.ts';

/**
 * SCIM filters and PATCH paths (RFC 7644 §3.4.2.2 and §3.5.2), parsed into a small tree. Operators,
 * keywords and literals are case-insensitive; `not` binds tighter than `and`, `and` tighter than
 * `or`; parentheses group. Attribute paths stay text here and are resolved against a schema by
 * whoever evaluates the tree (SQL for lists, memory for PATCH value filters).
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type CompValue = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: string; op: CompareOp; value: CompValue }
  | { kind: 'present'; path: string }
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'valuePath'; path: string; filter: Filter };

/** A PATCH target: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each optionally URN-prefixed. */
export interface PatchPath {
  path: string;
  filter: Filter | null;
  sub: string | null;
}

const COMPARE_OPS = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
/** Beyond this a filter is refused: each term is a clause of one SQL query. */
export const MAX_FILTER_TERMS = 50;
const MAX_FILTER_LENGTH = 4000;

type Token =
  | { t: '(' | ')' | '[' | ']'; at: number }
  | { t: 'string'; value: string; at: number }
  | { t: 'word'; value: string; at: number };

// an attribute path: an optional schema URN, a name, at most one sub-attribute
const ATTR_PATH = /^(?:urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function tokenize(text: string, fail: (m: string) => Error): Token[] {
  if (text.length > MAX_FILTER_LENGTH) throw fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ t: c, at: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw fail(`unterminated string at ${i + 1}`);
      let value: string;
      try {
        value = JSON.parse(text.slice(i, j + 1));
      } catch {
        throw fail(`bad escape in the string at ${i + 1}`);
      }
      tokens.push({ t: 'string', value, at: i });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\n\r()[]"'.includes(text[j]!)) j++;
      tokens.push({ t: 'word', value: text.slice(i, j), at: i });
      i = j;
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  private terms = 0;
  private readonly tokens: Token[];
  private readonly fail: (m: string) => Error;
  constructor(tokens: Token[], fail: (m: string) => Error) {
    this.tokens = tokens;
    this.fail = fail;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  private isWord(t: Token | undefined, word: string): boolean {
    return t?.t === 'word' && t.value.toLowerCase() === word;
  }
  private expect(t: '(' | ')' | '[' | ']') {
    const got = this.next();
    if (got?.t !== t) throw this.fail(`expected "${t}"${got ? ` at ${got.at + 1}` : ' at the end'}`);
  }

  /** FILTER, inside a value path when `inValuePath` (no nested value paths there). */
  parseOr(inValuePath: boolean, depth: number): Filter {
    const first = this.parseAnd(inValuePath, depth);
    const filters = [first];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      filters.push(this.parseAnd(inValuePath, depth));
    }
    return filters.length === 1 ? first : { kind: 'or', filters };
  }

  private parseAnd(inValuePath: boolean, depth: number): Filter {
    const first = this.parseUnary(inValuePath, depth);
    const filters = [first];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      filters.push(this.parseUnary(inValuePath, depth));
    }
    return filters.length === 1 ? first : { kind: 'and', filters };
  }

  private parseUnary(inValuePath: boolean, depth: number): Filter {
    if (depth > 20) throw ScimErrors.tooMany('The filter nests too deeply.');
    const t = this.peek();
    if (!t) throw this.fail('a filter expression is missing at the end');
    if (this.isWord(t, 'not') && this.tokens[this.i + 1]?.t === '(') {
      this.next();
      this.expect('(');
      const inner = this.parseOr(inValuePath, depth + 1);
      this.expect(')');
      return { kind: 'not', filter: inner };
    }
    if (t.t === '(') {
      this.next();
      const inner = this.parseOr(inValuePath, depth + 1);
      this.expect(')');
      return inner;
    }
    if (t.t !== 'word') throw this.fail(`expected an attribute at ${t.at + 1}`);
    const path = this.attrPath();
    if (this.peek()?.t === '[') {
      if (inValuePath) throw this.fail(`a value filter cannot nest another at ${t.at + 1}`);
      this.next();
      const inner = this.parseOr(true, depth + 1);
      this.expect(']');
      return { kind: 'valuePath', path, filter: inner };
    }
    if (++this.terms > MAX_FILTER_TERMS)
      throw ScimErrors.tooMany(`The filter has more than ${MAX_FILTER_TERMS} comparisons.`);
    const opToken = this.next();
    if (opToken?.t !== 'word') throw this.fail(`expected an operator after "${path}"`);
    const op = opToken.value.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPS.has(op as CompareOp)) throw this.fail(`"${opToken.value}" is not an operator`);
    return { kind: 'compare', path, op: op as CompareOp, value: this.compValue() };
  }

  attrPath(): string {
    const t = this.next();
    if (t?.t !== 'word' || !ATTR_PATH.test(t.value))
      throw this.fail(`"${t && 'value' in t ? t.value : ''}" is not an attribute path`);
    return t.value;
  }

  private compValue(): CompValue {
    const t = this.next();
    if (!t) throw this.fail('a comparison value is missing at the end');
    if (t.t === 'string') return t.value;
    if (t.t === 'word') {
      const w = t.value.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
      if (NUMBER.test(t.value)) return Number(t.value);
    }
    throw this.fail(`expected a value (a "string", number, true, false or null) at ${t.at + 1}`);
  }
}

export function parseFilter(text: string): Filter {
  const fail = (m: string) => ScimErrors.invalidFilter(`The filter is not valid: ${m}.`);
  const parser = new Parser(tokenize(text, fail), fail);
  if (parser.atEnd()) throw fail('it is empty');
  const filter = parser.parseOr(false, 0);
  const rest = parser.peek();
  if (rest) throw fail(`unexpected "${'value' in rest ? rest.value : rest.t}" at ${rest.at + 1}`);
  return filter;
}

export function parsePatchPath(text: string): PatchPath {
  const fail = (m: string) => ScimErrors.invalidPath(`The path "${text}" is not valid: ${m}.`);
  const tokens = tokenize(text, fail);
  const parser = new Parser(tokens, fail);
  if (parser.atEnd()) throw fail('it is empty');
  const head = parser.peek();
  if (head?.t !== 'word') throw fail('it must start with an attribute');
  const path = parser.attrPath();
  let filter: Filter | null = null;
  let sub: string | null = null;
  if (parser.peek()?.t === '[') {
    parser.next();
    filter = parser.parseOr(true, 1);
    if (parser.next()?.t !== ']') throw fail('the value filter is not closed with "]"');
    const after = parser.peek();
    if (after) {
      if (after.t !== 'word' || !/^\.[A-Za-z$][\w$-]*$/.test(after.value))
        throw fail('unexpected text after "]"');
      parser.next();
      sub = after.value.slice(1);
    }
  }
  if (!parser.atEnd()) throw fail('unexpected text at the end');
  return { path, filter, sub };
}

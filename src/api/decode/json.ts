// A JSON parser that fails the way Go's encoding/json does ("invalid character '}' looking for
// beginning of object key string", "unexpected end of JSON input"), because the API server's
// messages quote those errors verbatim. It also reports duplicate keys with the field paths
// sigs.k8s.io/json's strict mode prints ("metadata.labels.app", "spec.ports[0].port").

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

export interface ParsedJson {
  value: unknown;
  /** Paths of keys that appear twice in one object, in document order, each once. */
  duplicates: string[];
}

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets an own property even for "__proto__" (which plain assignment would treat as the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Go's quoteChar: how the scanner prints an offending byte. */
export function goQuoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c >= 0x80 && c <= 0xa0) return `'\\u00${c.toString(16)}'`;
  if (c === 0xad) return `'\\u00ad'`;
  return `'${String.fromCharCode(c)}'`;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class Parser {
  private pos = 0;
  private readonly path: string[] = [];
  readonly duplicates: string[] = [];

  constructor(private readonly buf: Buffer, private readonly trackDuplicates: boolean) {}

  parseDocument(): unknown {
    const value = this.value();
    this.skipWs();
    if (this.pos < this.buf.length) this.fail(`invalid character ${goQuoteChar(this.buf[this.pos])} after top-level value`);
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  private peek(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end of JSON input');
    return this.buf[this.pos];
  }

  private skipWs(): void {
    while (this.pos < this.buf.length && WS.has(this.buf[this.pos])) this.pos++;
  }

  private value(): unknown {
    this.skipWs();
    const c = this.peek();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    return this.fail(`invalid character ${goQuoteChar(c)} looking for beginning of value`);
  }

  private object(): Record<string, unknown> {
    this.pos++; // {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.skipWs();
    if (this.peek() === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c !== 0x22) this.fail(`invalid character ${goQuoteChar(c)} looking for beginning of object key string`);
      const key = this.string();
      this.skipWs();
      const colon = this.peek();
      if (colon !== 0x3a) this.fail(`invalid character ${goQuoteChar(colon)} after object key`);
      this.pos++;
      const keyPath = this.path.length ? `${this.path.join('')}.${key}` : key;
      if (this.trackDuplicates && seen.has(key) && !this.duplicates.includes(keyPath)) this.duplicates.push(keyPath);
      seen.add(key);
      this.path.push(this.path.length ? `.${key}` : key);
      setOwn(out, key, this.value());
      this.path.pop();
      this.skipWs();
      const next = this.peek();
      this.pos++;
      if (next === 0x7d) return out;
      if (next !== 0x2c) {
        this.pos--;
        this.fail(`invalid character ${goQuoteChar(next)} after object key:value pair`);
      }
    }
  }

  private array(): unknown[] {
    this.pos++; // [
    const out: unknown[] = [];
    this.skipWs();
    if (this.peek() === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.path.push(`[${out.length}]`);
      out.push(this.value());
      this.path.pop();
      this.skipWs();
      const next = this.peek();
      this.pos++;
      if (next === 0x5d) return out;
      if (next !== 0x2c) {
        this.pos--;
        this.fail(`invalid character ${goQuoteChar(next)} after array element`);
      }
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      const c = this.peek();
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`invalid character ${goQuoteChar(c)} in string literal`);
      if (c === 0x5c) {
        this.pos++;
        const e = this.peek();
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            const h = this.peek();
            if (!isHex(h)) this.fail(`invalid character ${goQuoteChar(h)} in \\u hexadecimal character escape`);
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          this.fail(`invalid character ${goQuoteChar(e)} in string escape code`);
        }
      }
      this.pos++;
    }
    this.pos++; // closing quote
    // The bytes are valid JSON now; invalid UTF-8 becomes U+FFFD as in Go.
    return JSON.parse(this.buf.toString('utf8', start, this.pos)) as string;
  }

  private number(): number {
    const start = this.pos;
    if (this.buf[this.pos] === 0x2d) {
      this.pos++;
      const c = this.peek();
      if (!isDigit(c)) this.fail(`invalid character ${goQuoteChar(c)} in numeric literal`);
    }
    if (this.buf[this.pos] === 0x30) this.pos++;
    else while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos++;
    if (this.buf[this.pos] === 0x2e) {
      this.pos++;
      const c = this.peek();
      if (!isDigit(c)) this.fail(`invalid character ${goQuoteChar(c)} after decimal point in numeric literal`);
      while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos++;
    }
    if (this.buf[this.pos] === 0x65 || this.buf[this.pos] === 0x45) {
      this.pos++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
      const c = this.peek();
      if (!isDigit(c)) this.fail(`invalid character ${goQuoteChar(c)} in exponent of numeric literal`);
      while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos++;
    }
    return Number(this.buf.toString('latin1', start, this.pos));
  }

  private literal(word: string, value: unknown): unknown {
    for (let i = 0; i < word.length; i++) {
      const c = this.peek();
      if (c !== word.charCodeAt(i)) this.fail(`invalid character ${goQuoteChar(c)} in literal ${word} (expecting '${word[i]}')`);
      this.pos++;
    }
    return value;
  }
}

/** Parses JSON as Go does; throws JsonSyntaxError with Go's message. */
export function parseGoJson(input: Buffer | string, options: { duplicates?: boolean } = {}): ParsedJson {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const parser = new Parser(buf, options.duplicates ?? false);
  const value = parser.parseDocument();
  return { value, duplicates: parser.duplicates };
}

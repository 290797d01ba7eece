// Corefile syntax (Caddyfile): server blocks "key [key...] { directives }", one directive per
// line, a directive's own block in braces, "#" comments, double-quoted tokens. Only structure
// here; what directives mean is in corefile.ts.

export class CorefileError extends Error {
  override name = 'CorefileError';
  constructor(readonly line: number, detail: string) {
    // CoreDNS's wording: "Corefile:5 - Error during parsing: Unknown directive 'foo'"
    super(`Corefile:${line} - Error during parsing: ${detail}`);
  }
}

export interface Directive {
  name: string;
  args: string[];
  line: number;
  /** The directive's own { ... } block, or null when it has none. */
  block: Directive[] | null;
}

export interface ServerBlock {
  keys: string[];
  line: number;
  directives: Directive[];
}

interface Token { text: string; line: number; quoted: boolean }

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',') { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '"') {
      const start = line;
      let s = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) { s += text[i + 1]; i += 2; continue; }
        if (text[i] === '\n') line++;
        s += text[i++];
      }
      if (i >= text.length) throw new CorefileError(start, 'unterminated quoted string');
      i++;
      out.push({ text: s, line: start, quoted: true });
      continue;
    }
    let s = '';
    while (i < text.length && !/[\s#",]/.test(text[i])) s += text[i++];
    out.push({ text: s, line, quoted: false });
  }
  return out;
}

const isOpen = (t: Token | undefined): boolean => !!t && !t.quoted && t.text === '{';
const isClose = (t: Token | undefined): boolean => !!t && !t.quoted && t.text === '}';

/** Parses the text into server blocks; throws CorefileError with the line of the problem. */
export function parseServerBlocks(text: string): ServerBlock[] {
  const tokens = tokenize(text);
  let pos = 0;

  // directives until a closing brace (inside a block) or the end (top level without braces)
  const directives = (closing: boolean, openLine: number): Directive[] => {
    const list: Directive[] = [];
    for (;;) {
      const t = tokens[pos];
      if (!t) {
        if (closing) throw new CorefileError(openLine, 'unexpected end of file: missing closing brace');
        return list;
      }
      if (isClose(t)) {
        if (!closing) throw new CorefileError(t.line, "unexpected '}'");
        pos++;
        return list;
      }
      if (isOpen(t)) throw new CorefileError(t.line, "unexpected '{'");
      const d: Directive = { name: t.text, args: [], line: t.line, block: null };
      pos++;
      while (tokens[pos] && tokens[pos].line === d.line && !isOpen(tokens[pos]) && !isClose(tokens[pos])) {
        d.args.push(tokens[pos++].text);
      }
      if (isOpen(tokens[pos]) && tokens[pos].line === d.line) {
        pos++;
        d.block = directives(true, d.line);
      }
      list.push(d);
    }
  };

  const blocks: ServerBlock[] = [];
  while (pos < tokens.length) {
    const first = tokens[pos];
    const keys: string[] = [];
    while (tokens[pos] && tokens[pos].line === first.line && !isOpen(tokens[pos])) {
      if (isClose(tokens[pos])) throw new CorefileError(tokens[pos].line, "unexpected '}'");
      keys.push(tokens[pos++].text);
    }
    if (isOpen(tokens[pos])) {
      pos++;
      blocks.push({ keys, line: first.line, directives: directives(true, first.line) });
    } else if (blocks.length === 0) {
      // a single server block may leave out its braces
      blocks.push({ keys, line: first.line, directives: directives(false, first.line) });
    } else {
      throw new CorefileError(first.line, `expected '{' after server block keys ${keys.join(' ')}`);
    }
  }
  if (blocks.length === 0) throw new CorefileError(1, 'no server blocks');
  return blocks;
}

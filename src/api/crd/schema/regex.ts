// Go's regexp (RE2) for schema patterns, through @bufbuild/re2: the same syntax, the same
// matching and the same error texts ("error parsing regexp: missing closing ): `a(b`").

import { RE2JS } from '@bufbuild/re2';

const cache = new Map<string, RE2JS | Error>();

function compiled(pattern: string): RE2JS | Error {
  let re = cache.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      re = e instanceof Error ? e : new Error(String(e));
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** Go's regexp.Compile error text for `pattern`, or undefined when it compiles. */
export function regexError(pattern: string): string | undefined {
  const re = compiled(pattern);
  return re instanceof Error ? re.message : undefined;
}

/** Go's regexp.MatchString: does `pattern` match anywhere in `s`? undefined when the pattern does not compile. */
export function regexMatches(pattern: string, s: string): boolean | undefined {
  const re = compiled(pattern);
  return re instanceof Error ? undefined : re.test(s);
}

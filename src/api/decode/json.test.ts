import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goQuoteChar, JsonSyntaxError, parseGoJson } from './json.js';

// Expected texts are Go's encoding/json scanner errors for the same inputs.
const syntaxCases: [string, string][] = [
  ['', 'unexpected end of JSON input'],
  ['{', 'unexpected end of JSON input'],
  ['{"a":1,}', `invalid character '}' looking for beginning of object key string`],
  ['{"a" 1}', `invalid character '1' after object key`],
  ['{"a":1]', `invalid character ']' after object key:value pair`],
  ['[1,]', `invalid character ']' looking for beginning of value`],
  ['[1 2]', `invalid character '2' after array element`],
  ['x', `invalid character 'x' looking for beginning of value`],
  ['{} {}', `invalid character '{' after top-level value`],
  ['01', `invalid character '1' after top-level value`],
  ['trux', `invalid character 'x' in literal true (expecting 'e')`],
  ['nul', 'unexpected end of JSON input'],
  ['-a', `invalid character 'a' in numeric literal`],
  ['1.e3', `invalid character 'e' after decimal point in numeric literal`],
  ['1e+x', `invalid character 'x' in exponent of numeric literal`],
  ['"\\q"', `invalid character 'q' in string escape code`],
  ['"\\u12g4"', `invalid character 'g' in \\u hexadecimal character escape`],
  ['"a\nb"', `invalid character '\\n' in string literal`],
  ["{'a':1}", `invalid character '\\'' looking for beginning of object key string`],
];

describe('parseGoJson', () => {
  for (const [input, message] of syntaxCases) {
    it(`fails on ${JSON.stringify(input)} as Go does`, () => {
      assert.throws(() => parseGoJson(input), (e: unknown) => e instanceof JsonSyntaxError && e.message === message);
    });
  }

  it('parses what JSON.parse parses, including "__proto__" as an own key', () => {
    const text = '{"a":[1,2.5,-3e2,true,false,null,"x\\u00e9\\n"],"b":{"c":{}},"__proto__":{"x":1}}';
    const { value } = parseGoJson(text);
    assert.deepEqual(value, JSON.parse(text));
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value as object), ['a', 'b', '__proto__']);
  });

  it('reports duplicate keys with strict decoding paths, the last value winning', () => {
    const text = '{"metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},"spec":{"ports":[{"port":1,"port":2}]},"spec":{}}';
    const { value, duplicates } = parseGoJson(text, { duplicates: true });
    assert.deepEqual(duplicates, ['metadata.name', 'metadata.labels.x', 'spec.ports[0].port', 'spec']);
    assert.deepEqual((value as { spec: unknown }).spec, {});
  });

  it('prints offending bytes as Go quotes them', () => {
    assert.equal(goQuoteChar(0x61), `'a'`);
    assert.equal(goQuoteChar(0x09), `'\\t'`);
    assert.equal(goQuoteChar(0x00), `'\\x00'`);
    assert.equal(goQuoteChar(0xef), `'ï'`);
    assert.equal(goQuoteChar(0x22), `'"'`);
  });
});

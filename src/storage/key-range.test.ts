import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compareKeys, prefixEnd } from './key-range.js';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

it('prefixEnd is the first key past every key under the prefix', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
  assert.equal(prefixEnd('a\u{10FFFF}'), 'b', 'the highest code point carries into the one before');
  assert.equal(prefixEnd('\uD7FF'), '\uE000', 'surrogates are skipped: they have no UTF-8 form');
  assert.equal(prefixEnd(''), undefined);
  assert.equal(prefixEnd('\u{10FFFF}'), undefined);
  for (const prefix of ['/a/', 'x\uFFFF', 'é', '\u{1F600}']) {
    const end = prefixEnd(prefix) as string;
    for (const key of [prefix, `${prefix}\u{10FFFE}`, `${prefix}zzz`]) assert.ok(utf8Order(key, end) < 0, `${key} < ${end}`);
    assert.ok(!end.startsWith(prefix));
  }
});

it('compareKeys orders keys as their UTF-8 bytes, as etcd and SQLite do', () => {
  const keys = ['/a', '/a/b', 'z', '\uFFFF', '\u{10000}', '\u{1F600}', '\uE000', 'é', ''];
  assert.deepEqual([...keys].sort(compareKeys), [...keys].sort(utf8Order));
  assert.ok('\u{10000}' < '\uFFFF', 'JavaScript alone would get this pair wrong');
  assert.ok(compareKeys('\u{10000}', '\uFFFF') > 0);
});

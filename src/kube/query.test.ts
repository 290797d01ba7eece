import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoBool, parseGoInt64, podLogQuery, podLogQueryString, queryBool, queryInt64, queryOptionalBool, queryPorts } from './query.js';

const q = (s: string) => new URLSearchParams(s);

test('booleans convert as upstream: only 0 and false (any case) are false; Python sends True', () => {
  for (const v of ['true', 'True', 'TRUE', '1', 't', 'yes', '']) assert.equal(queryBool(q(`watch=${v}`), 'watch'), true, v);
  for (const v of ['false', 'False', 'FALSE', 'fAlSe', '0']) assert.equal(queryBool(q(`watch=${v}`), 'watch'), false, v);
  assert.equal(queryBool(q(''), 'watch'), false);
  assert.equal(queryOptionalBool(q(''), 'force'), undefined);
  assert.equal(queryOptionalBool(q('force=False'), 'force'), false);
  // The first value counts.
  assert.equal(queryBool(q('watch=0&watch=1'), 'watch'), false);
});

test('pretty reads with strconv.ParseBool', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(v), true);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(v), false);
  assert.equal(parseGoBool('yes'), undefined);
  assert.equal(parseGoBool('tRUE'), undefined);
});

test('integers convert with strconv.ParseInt and its errors', () => {
  assert.equal(queryInt64(q('limit=500'), 'limit'), 500);
  assert.equal(queryInt64(q('limit=-1'), 'limit'), -1);
  assert.equal(queryInt64(q('limit=%2B7'), 'limit'), 7);
  assert.equal(queryInt64(q(''), 'limit'), undefined);
  assert.throws(() => parseGoInt64('abc'), { message: 'strconv.ParseInt: parsing "abc": invalid syntax' });
  assert.throws(() => parseGoInt64('1.5'), { message: 'strconv.ParseInt: parsing "1.5": invalid syntax' });
  assert.throws(() => parseGoInt64(''), { message: 'strconv.ParseInt: parsing "": invalid syntax' });
  assert.throws(() => parseGoInt64(' 1'), { message: 'strconv.ParseInt: parsing " 1": invalid syntax' });
  assert.throws(() => parseGoInt64('9223372036854775808'), { message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range' });
  assert.equal(parseGoInt64('-9223372036854775808'), -9223372036854775808);
});

test('port-forward ports: comma lists and repeated values, refused as metav1 refuses them', () => {
  assert.deepEqual(queryPorts(q('ports=80,8080&ports=9000')), [80, 8080, 9000]);
  assert.deepEqual(queryPorts(q('')), []);
  assert.throws(() => queryPorts(q('ports=http')), { message: 'cannot convert to []int32: strconv.ParseUint: parsing "http": invalid syntax' });
  assert.throws(() => queryPorts(q('ports=70000')), { message: 'cannot convert to []int32: strconv.ParseUint: parsing "70000": value out of range' });
});

test('PodLogOptions: decoded leniently and re-encoded as the API server sends them to the kubelet', () => {
  const o = podLogQuery(q('follow=True&timestamps=1&previous=false&tailLines=10&limitBytes=5&sinceTime=2025-01-02T03:04:05Z&container=app'));
  assert.deepEqual({ ...o, sinceTime: o.sinceTime?.toISOString() }, {
    container: 'app', follow: true, previous: false, timestamps: true, sinceSeconds: undefined, sinceTime: '2025-01-02T03:04:05.000Z', tailLines: 10, limitBytes: 5,
  });
  assert.equal(podLogQueryString(o).toString(), 'follow=true&timestamps=true&sinceTime=2025-01-02T03%3A04%3A05Z&tailLines=10&limitBytes=5');
  assert.throws(() => podLogQuery(q('tailLines=ten')), { message: 'strconv.ParseInt: parsing "ten": invalid syntax' });
  assert.throws(() => podLogQuery(q('sinceTime=yesterday')), /^Error: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00"|parsing time "yesterday"/);
});

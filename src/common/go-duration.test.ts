import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration, tryParseGoDuration } from './go-duration.js';

test('Go durations parse as time.ParseDuration reads them', () => {
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('.5s'), 500);
  assert.equal(parseGoDuration('-1.5h'), -5_400_000);
  assert.equal(parseGoDuration('250us'), 0.25);
  assert.throws(() => parseGoDuration(''), /^Error: time: invalid duration ""$/);
  assert.throws(() => parseGoDuration('5'), /time: invalid duration "5"/);
  assert.equal(tryParseGoDuration('1 s'), undefined);
  assert.equal(tryParseGoDuration('2s'), 2000);
});

test('Go durations print as Duration.String writes them', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(0.000_5), '500ns');
  assert.equal(formatGoDuration(0.5123), '512.3µs');
  assert.equal(formatGoDuration(34.5123456), '34.512346ms');
  assert.equal(formatGoDuration(1500), '1.5s');
  assert.equal(formatGoDuration(120_000), '2m0s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
  assert.equal(formatGoDuration(-90_250), '-1m30.25s');
});

// Expected values are upstream's: apimachinery duration_test.go, printers_test.go
// (TestTranslateTimestampSince) and labels/selector tests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLabels, formatLabelSelector, humanDuration, labelSelectorString, listWithMore, translateTimestampSince } from './format.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it('prints upstream TestHumanDuration values', () => {
    const cases: [number, string][] = [
      [S, '1s'], [70 * S, '70s'], [190 * S, '3m10s'], [70 * M, '70m'], [47 * H, '47h'], [49 * H, '2d1h'],
      [(8 * 24 + 2) * H, '8d'], [367 * D, '367d'], [(365 * 2 * 24 + 25) * H, '2y1d'], [(365 * 8 * 24 + 2) * H, '8y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  });

  it('prints upstream TestHumanDurationBoundaries values', () => {
    const cases: [number, string][] = [
      [-2 * S, '<invalid>'], [-2 * S + 1, '0s'], [0, '0s'], [S - 1, '0s'], [2 * M - 1, '119s'], [2 * M, '2m'],
      [2 * M + S, '2m1s'], [10 * M - 1, '9m59s'], [10 * M, '10m'], [10 * M + S, '10m'], [3 * H - 1, '179m'],
      [3 * H, '3h'], [3 * H + M, '3h1m'], [8 * H - 1, '7h59m'], [8 * H, '8h'], [8 * H + 59 * M, '8h'],
      [2 * D - 1, '47h'], [2 * D, '2d'], [2 * D + H, '2d1h'], [8 * D - 1, '7d23h'], [8 * D, '8d'], [8 * D + 23 * H, '8d'],
      [2 * 365 * D - 1, '729d'], [2 * 365 * D, '2y'], [2 * 365 * D + 23 * H, '2y'], [2 * 365 * D + 24 * H - 1, '2y'],
      [2 * 365 * D + 24 * H, '2y1d'], [3 * 365 * D, '3y'], [7 * 365 * D, '7y'], [8 * 365 * D - 1, '7y364d'],
      [8 * 365 * D, '8y'], [8 * 365 * D + 364 * D, '8y'], [9 * 365 * D, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  });
});

describe('translateTimestampSince', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();
  it('prints upstream TestTranslateTimestampSince values', () => {
    assert.equal(translateTimestampSince(at(2100), now), '<invalid>');
    assert.equal(translateTimestampSince(at(1900), now), '0s');
    assert.equal(translateTimestampSince(at(0), now), '0s');
    assert.equal(translateTimestampSince(undefined, now), '<unknown>');
    assert.equal(translateTimestampSince(null, now), '<unknown>');
    assert.equal(translateTimestampSince(at(-30 * S), now), '30s');
    assert.equal(translateTimestampSince(at(-5 * M), now), '5m');
    assert.equal(translateTimestampSince(at(-100 * M), now), '100m');
    assert.equal(translateTimestampSince(at(-2 * D), now), '2d');
    assert.equal(translateTimestampSince(at(-90 * D), now), '90d');
    assert.equal(translateTimestampSince(at(-10 * 365 * D), now), '10y');
  });
});

describe('labels', () => {
  it('formats label maps sorted, <none> when empty', () => {
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });

  it('formats label selectors as upstream selector strings', () => {
    assert.equal(formatLabelSelector({ matchLabels: { foo: 'bar' } }), 'foo=bar');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(
      formatLabelSelector({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['b', 'a'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
        ],
      }),
      'app=web,!canary,env notin (prod),tier in (a,b),zone',
    );
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), '<error>');
    assert.equal(formatLabelSelector({ matchLabels: { 'bad key!': 'x' } }), '<error>');
    assert.ok(labelSelectorString({ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In' }] }) instanceof Error);
  });
});

describe('listWithMore', () => {
  it('lists at most three, then + N more..., <unset> when empty', () => {
    assert.equal(listWithMore([]), '<unset>');
    assert.equal(listWithMore(['80', '443']), '80,443');
    assert.equal(listWithMore(['80', '443', '3000', '3001']), '80,443,3000 + 1 more...');
  });
});

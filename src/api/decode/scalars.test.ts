import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Error, quantityError, timeParseError } from './scalars.js';

describe('timeParseError (Go time.Parse with RFC 3339)', () => {
  it('accepts RFC 3339 times with or without fractions and offsets', () => {
    for (const t of ['2024-02-29T23:59:59Z', '2024-01-02T03:04:05.123456Z', '2024-01-02T03:04:05+01:00', '2024-01-02T3:04:05Z']) {
      assert.equal(timeParseError(t), undefined, t);
    }
  });

  it('names the layout element where parsing stopped, as Go does', () => {
    assert.equal(timeParseError('yesterday'), 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
    assert.equal(timeParseError('2024-01-02'), 'parsing time "2024-01-02" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"');
    assert.equal(timeParseError('2024-01-02 03:04:05Z'), 'parsing time "2024-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T"');
    assert.equal(timeParseError('2024-01-02T03:04:05'), 'parsing time "2024-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"');
  });

  it('reports out-of-range parts and trailing text', () => {
    assert.equal(timeParseError('2024-13-01T00:00:00Z'), 'parsing time "2024-13-01T00:00:00Z": month out of range');
    assert.equal(timeParseError('2023-02-29T00:00:00Z'), 'parsing time "2023-02-29T00:00:00Z": day out of range');
    assert.equal(timeParseError('2024-01-01T00:00:00Zjunk'), 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"');
  });

  it('needs six fraction digits for a MicroTime', () => {
    assert.equal(timeParseError('2024-01-02T03:04:05.123456Z', true), undefined);
    assert.match(timeParseError('2024-01-02T03:04:05Z', true)!, /cannot parse "Z" as ".000000"$/);
  });
});

describe('base64Error (Go base64.StdEncoding)', () => {
  it('accepts padded standard base64, newlines included', () => {
    for (const s of ['', 'YQ==', 'YWI=', 'YWJj', 'YWJj\nZGVm']) assert.equal(base64Error(s), undefined, s);
  });

  it('reports the byte offsets Go reports', () => {
    assert.equal(base64Error('abc'), 'illegal base64 data at input byte 0');
    assert.equal(base64Error('YWJj!'), 'illegal base64 data at input byte 4');
    assert.equal(base64Error('YQ'), 'illegal base64 data at input byte 0');
    assert.equal(base64Error('YQ='), 'illegal base64 data at input byte 3');
    assert.equal(base64Error('YQ==YQ=='), 'illegal base64 data at input byte 4');
    assert.equal(base64Error('hello world'), 'illegal base64 data at input byte 5');
  });
});

describe('quantityError (resource.ParseQuantity)', () => {
  it('accepts quantities', () => {
    for (const q of ['1', '100m', '1.5Gi', '1e3', '128974848', '0.1', '+1', '-1k', '500u']) assert.equal(quantityError(q), undefined, q);
  });

  it('refuses what ParseQuantity refuses, in its words', () => {
    assert.equal(quantityError('one'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(quantityError(''), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(quantityError('1Gb'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(quantityError('1KK'), "unable to parse quantity's suffix");
    assert.equal(quantityError('1.2.3'), 'unable to parse numeric part of quantity');
  });
});

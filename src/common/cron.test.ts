// robfig/cron v3's own cases (parser_test.go, spec_test.go), written for five fields where they
// used six with a zero seconds field: the schedule a CronJob runs on must activate exactly where
// upstream's does, including across daylight-saving changes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EverySchedule, parseField, parseStandard } from './cron.js';
import { loadZone, UTC, type Zone } from './zoned-time.js';

const utc = () => UTC;
const NEW_YORK = loadZone('America/New_York');

/** "Mon Jul 9 15:00 2012" (in the given zone) or "2012-03-11T00:00:00-0500". */
function at(text: string, zone: Zone = UTC): number {
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d)(\d\d)$/.exec(text);
  if (iso) return Date.parse(`${iso[1]}${iso[2]}:${iso[3]}`);
  const m = /^\w{3} (\w{3}) (\d+) (\d\d):(\d\d)(?::(\d\d))? (\d{4})$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]) + 1;
  const local = Date.UTC(Number(m[6]), month - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
  return local - zone.offsetAt(local);
}

const parseError = (spec: string): string => {
  try {
    parseStandard(spec, utc);
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('cron fields', () => {
  const bits = (expr: string, min: number, max: number) => [...parseField(expr, { min, max }).values].sort((a, b) => a - b);
  it('reads numbers, ranges, steps and stars as TestRange', () => {
    assert.deepEqual(bits('5', 0, 7), [5]);
    assert.deepEqual(bits('5-7', 0, 7), [5, 6, 7]);
    assert.deepEqual(bits('5-6/2', 0, 7), [5]);
    assert.deepEqual(bits('5-7/2', 0, 7), [5, 7]);
    assert.deepEqual(bits('*', 1, 3), [1, 2, 3]);
    assert.equal(parseField('*', { min: 1, max: 3 }).star, true);
    assert.deepEqual(bits('*/2', 1, 3), [1, 3]);
    assert.equal(parseField('*/2', { min: 1, max: 3 }).star, false, 'a step above 1 is no star');
    assert.deepEqual(bits('1,5-7/2,3', 1, 7), [1, 3, 5, 7]);
  });
  it("refuses what TestRange refuses, in robfig's words", () => {
    const cases: Array<[string, number, number, string]> = [
      ['5--5', 0, 0, 'too many hyphens: 5--5'],
      ['jan-x', 0, 0, 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax'],
      ['2-x', 1, 5, 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['*/-12', 0, 0, 'negative number (-12) not allowed: -12'],
      ['*//2', 0, 0, 'too many slashes: *//2'],
      ['1', 3, 5, 'beginning of range (1) below minimum (3): 1'],
      ['6', 3, 5, 'end of range (6) above maximum (5): 6'],
      ['5-3', 3, 5, 'beginning of range (5) beyond end of range (3): 5-3'],
      ['*/0', 0, 0, 'step of range should be a positive number: */0'],
    ];
    for (const [expr, min, max, want] of cases) assert.throws(() => parseField(expr, { min, max }), { message: want }, expr);
  });
});

describe('parseStandard', () => {
  it('refuses bad schedules with the messages the API server shows', () => {
    assert.equal(parseError(''), 'empty spec string');
    assert.equal(parseError('xyz'), 'expected exactly 5 fields, found 1: [xyz]');
    assert.equal(parseError('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
    assert.equal(parseError('60 0 * * *'), 'end of range (60) above maximum (59): 60');
    assert.equal(parseError('0 60 * * *'), 'end of range (60) above maximum (23): 60');
    assert.equal(parseError('0 0 * * XYZ'), 'failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax');
    assert.equal(parseError('@unrecognized'), 'unrecognized descriptor: @unrecognized');
    assert.equal(parseError('@every Xm'), 'failed to parse duration @every Xm: time: invalid duration "Xm"');
    assert.equal(parseError('@every 5'), 'failed to parse duration @every 5: time: missing unit in duration "5"');
    assert.equal(parseError('@every 5x'), 'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"');
    assert.equal(parseError('TZ=Mars/Olympus * * * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
    // TestSlash0NoHang
    assert.equal(parseError('TZ=America/New_York 15/0 * * * *'), 'step of range should be a positive number: 15/0');
  });

  it('activates where TestActivation says', () => {
    const cases: Array<[string, string, boolean]> = [
      ['Mon Jul 9 15:00 2012', '0/15 * * * *', true],
      ['Mon Jul 9 15:45 2012', '0/15 * * * *', true],
      ['Mon Jul 9 15:40 2012', '0/15 * * * *', false],
      ['Mon Jul 9 15:05 2012', '5/15 * * * *', true],
      ['Mon Jul 9 15:20 2012', '5/15 * * * *', true],
      ['Mon Jul 9 15:50 2012', '5/15 * * * *', true],
      ['Sun Jul 15 15:00 2012', '0/15 * * Jul *', true],
      ['Sun Jul 15 15:00 2012', '0/15 * * Jun *', false],
      ['Sun Jul 15 08:30 2012', '30 08 ? Jul Sun', true],
      ['Sun Jul 15 08:30 2012', '30 08 15 Jul ?', true],
      ['Mon Jul 16 08:30 2012', '30 08 ? Jul Sun', false],
      ['Mon Jul 16 08:30 2012', '30 08 15 Jul ?', false],
      ['Mon Jul 9 15:00 2012', '@hourly', true],
      ['Mon Jul 9 15:04 2012', '@hourly', false],
      ['Mon Jul 9 15:00 2012', '@daily', false],
      ['Mon Jul 9 00:00 2012', '@daily', true],
      ['Mon Jul 9 00:00 2012', '@weekly', false],
      ['Sun Jul 8 00:00 2012', '@weekly', true],
      ['Sun Jul 8 01:00 2012', '@weekly', false],
      ['Sun Jul 8 00:00 2012', '@monthly', false],
      ['Sun Jul 1 00:00 2012', '@monthly', true],
      // Both day fields restricted: either may match.
      ['Sun Jul 15 00:00 2012', '* * 1,15 * Sun', true],
      ['Fri Jun 15 00:00 2012', '* * 1,15 * Sun', true],
      ['Wed Aug 1 00:00 2012', '* * 1,15 * Sun', true],
      ['Sun Jul 15 00:00 2012', '* * */10 * Sun', true],
      // One of them a star: both must.
      ['Sun Jul 15 00:00 2012', '* * * * Mon', false],
      ['Mon Jul 9 00:00 2012', '* * 1,15 * *', false],
      ['Sun Jul 15 00:00 2012', '* * 1,15 * *', true],
      ['Sun Jul 15 00:00 2012', '* * */2 * Sun', true],
    ];
    for (const [time, spec, active] of cases) {
      const t = at(time);
      assert.equal(parseStandard(spec, utc).next(t - 1000) === t, active, `${spec} at ${time}`);
    }
  });

  it('finds the next time as TestNext does', () => {
    const cases: Array<[string, string, string | undefined, Zone?]> = [
      ['Mon Jul 9 14:45 2012', '0/15 * * * *', 'Mon Jul 9 15:00 2012'],
      ['Mon Jul 9 14:59 2012', '0/15 * * * *', 'Mon Jul 9 15:00 2012'],
      ['Mon Jul 9 14:59:59 2012', '0/15 * * * *', 'Mon Jul 9 15:00 2012'],
      ['Mon Jul 9 15:45 2012', '20-35/15 * * * *', 'Mon Jul 9 16:20 2012'],
      ['Mon Jul 9 23:46 2012', '*/15 * * * *', 'Tue Jul 10 00:00 2012'],
      ['Mon Jul 9 23:45 2012', '20-35/15 * * * *', 'Tue Jul 10 00:20 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 9 Apr-Oct ?', 'Thu Aug 9 00:00 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 */5 Apr,Aug,Oct Mon', 'Tue Aug 1 00:00 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 */5 Oct Mon', 'Mon Oct 1 00:00 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 * Feb Mon', 'Mon Feb 4 00:00 2013'],
      ['Mon Jul 9 23:35 2012', '0 0 * Feb Mon/2', 'Fri Feb 1 00:00 2013'],
      ['Mon Dec 31 23:59:45 2012', '* * * * *', 'Tue Jan 1 00:00:00 2013'],
      ['Mon Jul 9 23:35 2012', '0 0 29 Feb ?', 'Mon Feb 29 00:00 2016'],
      // Daylight saving: 2am EST (-5) -> 3am EDT (-4) skips 2:30 on that day.
      ['2012-03-11T00:00:00-0500', 'TZ=America/New_York 30 2 11 Mar ?', '2013-03-11T02:30:00-0400'],
      ['2012-03-11T00:00:00-0500', 'TZ=America/New_York 0 * * * ?', '2012-03-11T01:00:00-0500'],
      ['2012-03-11T01:00:00-0500', 'TZ=America/New_York 0 * * * ?', '2012-03-11T03:00:00-0400'],
      ['2012-03-11T03:00:00-0400', 'TZ=America/New_York 0 * * * ?', '2012-03-11T04:00:00-0400'],
      ['2012-03-11T01:00:00-0500', 'CRON_TZ=America/New_York 0 * * * ?', '2012-03-11T03:00:00-0400'],
      ['2012-03-11T00:00:00-0500', 'TZ=America/New_York 0 1 * * ?', '2012-03-11T01:00:00-0500'],
      ['2012-03-11T01:00:00-0500', 'TZ=America/New_York 0 1 * * ?', '2012-03-12T01:00:00-0400'],
      ['2012-03-11T00:00:00-0500', 'TZ=America/New_York 0 2 * * ?', '2012-03-12T02:00:00-0400'],
      // 2am EDT (-4) -> 1am EST (-5): 1:xx happens twice.
      ['2012-11-04T00:00:00-0400', 'TZ=America/New_York 30 2 04 Nov ?', '2012-11-04T02:30:00-0500'],
      ['2012-11-04T01:45:00-0400', 'TZ=America/New_York 30 1 04 Nov ?', '2012-11-04T01:30:00-0500'],
      ['2012-11-04T00:00:00-0400', 'TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-0400'],
      ['2012-11-04T01:00:00-0400', 'TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-0500'],
      ['2012-11-04T01:00:00-0500', 'TZ=America/New_York 0 * * * ?', '2012-11-04T02:00:00-0500'],
      ['2012-11-04T00:00:00-0400', 'TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-0400'],
      ['2012-11-04T01:00:00-0400', 'TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-0500'],
      ['2012-11-04T01:00:00-0500', 'TZ=America/New_York 0 1 * * ?', '2012-11-05T01:00:00-0500'],
      ['2012-11-04T00:00:00-0400', 'TZ=America/New_York 0 2 * * ?', '2012-11-04T02:00:00-0500'],
      ['2012-11-04T02:00:00-0500', 'TZ=America/New_York 0 2 * * ?', '2012-11-05T02:00:00-0500'],
      ['2012-11-04T00:00:00-0400', 'TZ=America/New_York 0 3 * * ?', '2012-11-04T03:00:00-0500'],
      ['2012-11-04T03:00:00-0500', 'TZ=America/New_York 0 3 * * ?', '2012-11-05T03:00:00-0500'],
      // The same, with the schedule in the zone it is asked in (no TZ=).
      ['2012-11-04T01:00:00-0400', '0 1 * * ?', '2012-11-04T01:00:00-0500', NEW_YORK],
      ['2012-11-04T00:00:00-0400', '0 3 3 * ?', '2012-12-03T03:00:00-0500', NEW_YORK],
      // Never.
      ['Mon Jul 9 23:35 2012', '0 0 30 Feb ?', undefined],
      ['Mon Jul 9 23:35 2012', '0 0 31 Apr ?', undefined],
      // Midnight does not exist on a DST day (robfig/cron#157).
      ['2018-10-17T05:00:00-0400', 'TZ=America/Sao_Paulo 0 9 10 * ?', '2018-11-10T06:00:00-0500'],
      ['2018-02-14T05:00:00-0500', 'TZ=America/Sao_Paulo 0 9 22 * ?', '2018-02-22T07:00:00-0500'],
    ];
    for (const [from, spec, want, zone] of cases) {
      const next = parseStandard(spec, () => zone ?? UTC).next(at(from));
      assert.equal(next === undefined ? undefined : new Date(next).toISOString(), want === undefined ? undefined : new Date(at(want)).toISOString(), `${spec} after ${from}`);
    }
  });

  it('reads times in the zone of the time asked about, as TestNextWithTz', () => {
    const kolkata = loadZone('Asia/Kolkata');
    for (const [from, spec, want] of [
      ['2016-01-03T13:09:03+0530', '14 14 * * *', '2016-01-03T14:14:00+0530'],
      ['2016-01-03T04:09:03+0530', '14 14 * * ?', '2016-01-03T14:14:00+0530'],
      ['2016-01-03T14:09:03+0530', '14 14 * * *', '2016-01-03T14:14:00+0530'],
      ['2016-01-03T14:00:00+0530', '14 14 * * ?', '2016-01-03T14:14:00+0530'],
    ]) {
      assert.equal(parseStandard(spec, () => kolkata).next(at(from)), at(want), `${spec} after ${from}`);
    }
  });

  it('runs @every in whole seconds from the time asked about', () => {
    const every = parseStandard('@every 1h30m', utc) as EverySchedule;
    assert.equal(every.delayMs, 90 * 60_000);
    assert.equal(every.next(at('Mon Jul 9 15:00 2012') + 400), at('Mon Jul 9 16:30 2012'));
    assert.equal((parseStandard('@every 10ms', utc) as EverySchedule).delayMs, 1000, 'at least a second');
  });
});

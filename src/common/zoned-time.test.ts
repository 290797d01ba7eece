import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addDate, formatRFC3339, loadZone, UTC, wallClock, zonedDate } from './zoned-time.js';

describe('zoned time', () => {
  it('loads the zones Go loads and refuses the rest with its message', () => {
    assert.equal(loadZone('').name, 'UTC');
    assert.equal(loadZone('UTC'), UTC);
    assert.equal(loadZone('Europe/Berlin').name, 'Europe/Berlin');
    assert.throws(() => loadZone('Mars/Olympus'), { message: 'unknown time zone Mars/Olympus' });
    assert.throws(() => loadZone('europe/berlin'), { message: 'unknown time zone europe/berlin' }, 'zoneinfo names are case-sensitive');
    assert.throws(() => loadZone('+01:00'), { message: 'unknown time zone +01:00' }, 'an offset is no zone name');
  });

  it('reads wall clocks and builds instants as time.Date does, across DST', () => {
    const ny = loadZone('America/New_York');
    assert.deepEqual(wallClock(Date.parse('2012-07-09T19:00:00Z'), ny), { year: 2012, month: 7, day: 9, hour: 15, minute: 0, second: 0, weekday: 1 });
    assert.equal(zonedDate(ny, 2012, 7, 9, 15), Date.parse('2012-07-09T19:00:00Z'));
    // 02:30 does not exist on 2012-03-11: Go's Date gives 01:30 EST.
    assert.equal(zonedDate(ny, 2012, 3, 11, 2, 30), Date.parse('2012-03-11T06:30:00Z'));
    // 01:30 happens twice on 2012-11-04: Go's Date gives the first (EDT).
    assert.equal(zonedDate(ny, 2012, 11, 4, 1, 30), Date.parse('2012-11-04T05:30:00Z'));
    // Month 13 is January of the next year.
    assert.equal(zonedDate(UTC, 2012, 13, 1), Date.parse('2013-01-01T00:00:00Z'));
    assert.equal(addDate(Date.parse('2012-01-31T10:00:00Z'), UTC, 0, 1, 0), Date.parse('2012-03-02T10:00:00Z'));
  });

  it('formats as Go RFC3339', () => {
    const at = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(formatRFC3339(at, UTC), '2024-05-01T10:00:00Z');
    assert.equal(formatRFC3339(at, loadZone('Europe/Berlin')), '2024-05-01T12:00:00+02:00');
    assert.equal(formatRFC3339(at, loadZone('America/St_Johns')), '2024-05-01T07:30:00-02:30');
  });
});

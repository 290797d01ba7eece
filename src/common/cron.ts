// Cron schedules as github.com/robfig/cron/v3's ParseStandard reads them, which is what upstream's
// API server validates CronJob schedules with and its CronJob controller runs them by: five
// fields (minute, hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps and
// month and weekday names; the descriptors @yearly, @annually, @monthly, @weekly, @daily,
// @midnight, @hourly and `@every <Go duration>`; a leading `TZ=<zone>` or `CRON_TZ=<zone>`. Errors
// carry robfig's messages, which the API server puts into its validation errors.

import { tryParseGoDuration } from './go-duration.js';
import { addDate, loadZone, wallClock, zonedDate, type Zone } from './zoned-time.js';

export interface Schedule {
  /** The first activation strictly after `afterMs`, or undefined when there is none within five years. */
  next(afterMs: number): number | undefined;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** The values a field allows, and whether it was written as a plain `*` (robfig's star bit: it changes how day of month and day of week combine). */
export interface Field {
  values: Set<number>;
  star: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's strconv.Atoi with the error text robfig wraps. */
function atoi(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  const n = atoi(expr);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

/** One range: `*`, `?`, `n`, `a-b`, each with an optional `/step`. */
function parseRange(expr: string, r: Bounds, into: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) {
    step = 1;
  } else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (single) end = r.max;
    if (step > 1) star = false;
  } else {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new Error(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new Error(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

/** A comma-separated list of ranges (empty pieces are skipped, as Go's FieldsFunc skips them). */
export function parseField(text: string, r: Bounds): Field {
  const field: Field = { values: new Set(), star: false };
  for (const expr of text.split(',').filter(Boolean)) parseRange(expr, r, field);
  return field;
}

const all = (r: Bounds): Field => ({ values: new Set(Array.from({ length: r.max - r.min + 1 }, (_, i) => r.min + i)), star: true });
const only = (v: number): Field => ({ values: new Set([v]), star: false });

/** A schedule of fields, walked in its zone as robfig's SpecSchedule.Next walks it. */
export class SpecSchedule implements Schedule {
  constructor(
    readonly minute: Field, readonly hour: Field, readonly dom: Field, readonly month: Field, readonly dow: Field,
    /** Where the fields are read: the TZ= zone, or else the local zone the parser was given. */
    readonly zone: Zone,
  ) {}

  /** Both day fields restricted: either may match; otherwise both must. */
  private dayMatches(w: { day: number; weekday: number }): boolean {
    const domMatch = this.dom.values.has(w.day);
    const dowMatch = this.dow.values.has(w.weekday);
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(afterMs: number): number | undefined {
    const zone = this.zone;
    // The earliest possible time: the next whole second.
    let t = Math.floor(afterMs / SECOND) * SECOND + SECOND;
    let added = false;
    const yearLimit = wallClock(t, zone).year + 5;
    wrap: for (;;) {
      let w = wallClock(t, zone);
      if (w.year > yearLimit) return undefined;
      while (!this.month.values.has(w.month)) {
        if (!added) {
          added = true;
          t = zonedDate(zone, w.year, w.month, 1);
        }
        t = addDate(t, zone, 0, 1, 0);
        w = wallClock(t, zone);
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w)) {
        if (!added) {
          added = true;
          t = zonedDate(zone, w.year, w.month, w.day);
        }
        t = addDate(t, zone, 0, 0, 1);
        w = wallClock(t, zone);
        // Midnight may not exist on a DST day: land on the day's first hour instead.
        if (w.hour !== 0) {
          t += w.hour > 12 ? (24 - w.hour) * HOUR : -w.hour * HOUR;
          w = wallClock(t, zone);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.hour.values.has(w.hour)) {
        if (!added) {
          added = true;
          t = zonedDate(zone, w.year, w.month, w.day, w.hour);
        }
        t += HOUR;
        w = wallClock(t, zone);
        if (w.hour === 0) continue wrap;
      }
      while (!this.minute.values.has(w.minute)) {
        if (!added) {
          added = true;
          t = Math.floor(t / MINUTE) * MINUTE;
        }
        t += MINUTE;
        w = wallClock(t, zone);
        if (w.minute === 0) continue wrap;
      }
      // The seconds field of a five-field schedule is 0.
      while (w.second !== 0) {
        if (!added) {
          added = true;
          t = Math.floor(t / SECOND) * SECOND;
        }
        t += SECOND;
        w = wallClock(t, zone);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** `@every <duration>`: robfig's ConstantDelaySchedule (whole seconds, at least one). */
export class EverySchedule implements Schedule {
  readonly delayMs: number;

  constructor(durationMs: number) {
    const d = Math.max(durationMs, SECOND);
    this.delayMs = d - (d % SECOND);
  }

  next(afterMs: number): number {
    return Math.floor(afterMs / SECOND) * SECOND + this.delayMs;
  }
}

/** Go's time.ParseDuration error texts for what go-duration.ts calls an invalid duration. */
function durationError(text: string): string {
  const m = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)([^\d.]*)/.exec(text);
  if (m && m[1] === '') return `time: missing unit in duration ${JSON.stringify(text)}`;
  if (m && !/^(ns|us|µs|ms|s|m|h)/.test(m[1])) return `time: unknown unit ${JSON.stringify(m[1].replace(/[\d.].*$/, ''))} in duration ${JSON.stringify(text)}`;
  return `time: invalid duration ${JSON.stringify(text)}`;
}

function parseDescriptor(descriptor: string, zone: Zone): Schedule {
  const z = (minute: Field, hour: Field, dom: Field, month: Field, dow: Field) => new SpecSchedule(minute, hour, dom, month, dow, zone);
  switch (descriptor) {
    case '@yearly': case '@annually':
      return z(only(0), only(0), only(1), only(1), all(DOW));
    case '@monthly':
      return z(only(0), only(0), only(1), all(MONTHS), all(DOW));
    case '@weekly':
      return z(only(0), only(0), all(DOM), all(MONTHS), only(0));
    case '@daily': case '@midnight':
      return z(only(0), only(0), all(DOM), all(MONTHS), all(DOW));
    case '@hourly':
      return z(only(0), all(HOURS), all(DOM), all(MONTHS), all(DOW));
  }
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    const text = descriptor.slice(every.length);
    const ms = tryParseGoDuration(text);
    if (ms === undefined) throw new Error(`failed to parse duration ${descriptor}: ${durationError(text)}`);
    return new EverySchedule(ms);
  }
  throw new Error(`unrecognized descriptor: ${descriptor}`);
}

/**
 * robfig/cron's ParseStandard. `local` is the zone of a schedule without TZ= (Go's time.Local):
 * the process's own zone unless the caller says otherwise. Throws robfig's error messages.
 */
export function parseStandard(specIn: string, local: () => Zone): Schedule {
  let spec = specIn;
  if (spec.length === 0) throw new Error('empty spec string');
  let zone: Zone | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    try {
      zone = loadZone(name);
    } catch (err) {
      throw new Error(`provided bad location ${name}: ${(err as Error).message}`);
    }
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone ?? local());
  const fields = spec.split(/\s+/).filter(Boolean);
  // Go prints the []string as "[a b c]".
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = [
    parseField(fields[0], MINUTES), parseField(fields[1], HOURS), parseField(fields[2], DOM),
    parseField(fields[3], MONTHS), parseField(fields[4], DOW),
  ];
  return new SpecSchedule(minute, hour, dom, month, dow, zone ?? local());
}

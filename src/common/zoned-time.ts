// Wall-clock time in IANA time zones, as Go's time package computes it, for the CronJob schedule
// (robfig/cron walks a schedule in its location) and the API server's timeZone validation.
// Offsets come from the ICU data of Intl; times are milliseconds since the epoch, whole seconds
// where Go's arithmetic would give whole seconds.

export interface Zone {
  /** The name it was loaded by ("UTC", "Local", "Europe/Berlin"). */
  readonly name: string;
  /** Milliseconds to add to a UTC instant to get the zone's wall clock at that instant. */
  offsetAt(utcMs: number): number;
}

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday, as Go's Weekday. */
  weekday: number;
}

const SECOND = 1000;

class IntlZone implements Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string, ianaName: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: ianaName, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  offsetAt(utcMs: number): number {
    const at = Math.floor(utcMs / SECOND) * SECOND;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - at;
  }
}

export const UTC: Zone = { name: 'UTC', offsetAt: () => 0 };

/** The process's own zone (Go's time.Local): the TZ environment or the system's. */
export function localZone(): Zone {
  return new IntlZone('Local', Intl.DateTimeFormat().resolvedOptions().timeZone);
}

const canonicalNames = new Map<string, string>();
function canonicalNameOf(lower: string): string | undefined {
  if (canonicalNames.size === 0) {
    for (const n of Intl.supportedValuesOf('timeZone')) canonicalNames.set(n.toLowerCase(), n);
  }
  return canonicalNames.get(lower);
}

/**
 * Go's time.LoadLocation: "" and "UTC" are UTC, "Local" the process's zone, anything else an
 * IANA name. Throws Go's "unknown time zone X". ICU matches names without regard to case where
 * Go's zoneinfo files do not: a canonical name in another case is refused here too.
 */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return localZone();
  const unknown = new Error(`unknown time zone ${name}`);
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    throw unknown;
  }
  // ICU also takes UTC offsets ("+01:00"), which are no zoneinfo names.
  if (/^[+-]\d/.test(resolved)) throw unknown;
  const canonical = canonicalNameOf(name.toLowerCase());
  if (canonical !== undefined && canonical !== name) throw unknown;
  return new IntlZone(name, name);
}

/** The wall clock of an instant in a zone. */
export function wallClock(utcMs: number, zone: Zone): WallClock {
  const d = new Date(utcMs + zone.offsetAt(utcMs));
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
  };
}

/**
 * Go's time.Date: the instant of a wall-clock time in a zone. Out-of-range fields carry over
 * (month 13 is January of the next year). A time that does not exist (skipped by a DST change) or
 * exists twice gets Go's choice: the offset in effect at the wall time read as UTC, corrected once
 * when that instant lies in another period.
 */
export function zonedDate(zone: Zone, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  let offset = zone.offsetAt(local);
  if (offset !== 0) {
    const utc = local - offset;
    const corrected = zone.offsetAt(utc);
    if (corrected !== offset) offset = corrected;
  }
  return local - offset;
}

/** Go's Time.AddDate: the same wall clock, years, months and days later (normalized as time.Date does). */
export function addDate(utcMs: number, zone: Zone, years: number, months: number, days: number): number {
  const w = wallClock(utcMs, zone);
  return zonedDate(zone, w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Go's time.RFC3339 layout of an instant in a zone: "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00". */
export function formatRFC3339(utcMs: number, zone: Zone): string {
  const w = wallClock(utcMs, zone);
  const offsetMin = Math.round(zone.offsetAt(utcMs) / 60_000);
  const zoneText = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zoneText}`;
}

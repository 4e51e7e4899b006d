/**
 * Wall-clock times in IANA time zones, with nothing but `Intl` (Node carries the tz database through
 * ICU, so no library is needed). A step's "−1 d 09:00" is a calendar day and a time on the wall in
 * the tenant's (or user's) zone; the instant it names depends on that day's UTC offset, which DST
 * changes. Times that do not exist (the skipped hour in spring) move forward by the gap; times that
 * exist twice (the repeated hour in autumn) take the first — the `compatible` rule of RFC 9557 and
 * Temporal, which is what calendars do.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallTimeAt(instantMs: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Berlin in summer: +7,200,000). */
export function offsetAt(instantMs: number, timeZone: string): number {
  const w = wallTimeAt(instantMs, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

const DAY_MS = 86_400_000;

/** The instant at which the wall clock in `timeZone` shows this date and time. */
export function instantOf(
  date: { year: number; month: number; day: number },
  time: { hour: number; minute: number },
  timeZone: string,
): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  // the offsets in force a day before and a day after: any change on this day lies between them
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const shows = (t: number) => {
    const w = wallTimeAt(t, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === wall;
  };
  const candidates = [wall - before, wall - after].filter(shows).sort((a, b) => a - b);
  // none: the time falls in a gap; read it with the offset before the change, which lands after it
  return new Date(candidates[0] ?? wall - before);
}

export function parseDate(value: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

export function addDays(
  date: { year: number; month: number; day: number },
  days: number,
): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function parseTimeOfDay(value: string): { hour: number; minute: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(Math.round(offsetMs / 60_000));
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "2026-03-29 09:00" and "+02:00": how the instant reads on the wall in the zone. */
export function describeInZone(instant: Date, timeZone: string): { local: string; utcOffset: string } {
  const w = wallTimeAt(instant.getTime(), timeZone);
  return {
    local: `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`,
    utcOffset: formatOffset(offsetAt(instant.getTime(), timeZone)),
  };
}

/** Today's date on the wall in the zone, as YYYY-MM-DD. */
export function todayIn(now: Date, timeZone: string): string {
  const w = wallTimeAt(now.getTime(), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * An exact date-time: with an offset or `Z` it is an instant; without, a wall time in the zone
 * (`2026-04-01T09:00`).
 */
export function parseExact(value: string, timeZone: string): Date | null {
  const m =
    /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
      value,
    );
  if (!m) return null;
  const date = parseDate(m[1]!);
  if (!date) return null;
  if (m[5]) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : new Date(t);
  }
  return instantOf(date, { hour: Number(m[2]), minute: Number(m[3]) }, timeZone);
}

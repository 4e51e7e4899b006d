/**
 * Administrators pick "a date and an hour" in their tenant's time zone; jobs need an instant. This
 * turns one into the other with the runtime's time zone data (Intl), DST included: an hour that a
 * spring-forward skips becomes the first instant after the gap, and an hour that a fall-back
 * repeats means its first occurrence.
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

/** The wall-clock reading in `timeZone` at instant `ms`, expressed as if it were UTC. */
function wallClockMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

export function isRealDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The instant at which the clocks of `timeZone` show `date` (YYYY-MM-DD) at `hour`:00. */
export function zonedInstant(date: string, hour: number, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const target = Date.UTC(y, mo - 1, d, hour);
  const offsetAt = (ms: number) => wallClockMs(ms, timeZone) - ms;
  const first = target - offsetAt(target);
  const second = target - offsetAt(first);
  if (wallClockMs(second, timeZone) === target) {
    // a repeated hour: its first occurrence
    const earlier = second - 3_600_000;
    return new Date(wallClockMs(earlier, timeZone) === target ? earlier : second);
  }
  // a skipped hour: the two readings straddle the jump; the later one is where the clocks jumped to
  return new Date(Math.max(first, second));
}

/** The date (YYYY-MM-DD) and hour the clocks of `timeZone` show at `instant`. */
export function zonedDateHour(instant: Date, timeZone: string): { date: string; hour: number } {
  const wall = new Date(wallClockMs(instant.getTime(), timeZone));
  return { date: wall.toISOString().slice(0, 10), hour: wall.getUTCHours() };
}

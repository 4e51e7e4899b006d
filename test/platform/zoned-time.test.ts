import { describe, expect, it } from 'vitest';
import { isRealDate, zonedDateHour, zonedInstant } from '../../src/platform/zoned-time.ts';

const at = (date: string, hour: number, zone: string) => zonedInstant(date, hour, zone).toISOString();

describe('a date and hour on a tenant’s clocks, as an instant', () => {
  it('follows the zone’s offset through the year', () => {
    expect(at('2031-01-15', 9, 'Europe/Berlin')).toBe('2031-01-15T08:00:00.000Z');
    expect(at('2031-07-15', 9, 'Europe/Berlin')).toBe('2031-07-15T07:00:00.000Z');
    expect(at('2031-01-15', 9, 'America/New_York')).toBe('2031-01-15T14:00:00.000Z');
    expect(at('2031-07-15', 9, 'Asia/Kolkata')).toBe('2031-07-15T03:30:00.000Z');
    expect(at('2031-12-31', 23, 'Pacific/Auckland')).toBe('2031-12-31T10:00:00.000Z');
    expect(at('2031-07-15', 0, 'UTC')).toBe('2031-07-15T00:00:00.000Z');
  });

  it('an hour a spring-forward skips means the first instant after the jump', () => {
    // Berlin: 02:00 CET jumps to 03:00 CEST on 30 March 2031; New York: 02:00 EST to 03:00 EDT on 9 March
    expect(at('2031-03-30', 2, 'Europe/Berlin')).toBe('2031-03-30T01:00:00.000Z');
    expect(at('2031-03-30', 3, 'Europe/Berlin')).toBe('2031-03-30T01:00:00.000Z');
    expect(at('2031-03-30', 1, 'Europe/Berlin')).toBe('2031-03-30T00:00:00.000Z');
    expect(at('2031-03-09', 2, 'America/New_York')).toBe('2031-03-09T07:00:00.000Z');
  });

  it('an hour a fall-back repeats means its first occurrence', () => {
    expect(at('2031-10-26', 2, 'Europe/Berlin')).toBe('2031-10-26T00:00:00.000Z');
    expect(at('2031-10-26', 3, 'Europe/Berlin')).toBe('2031-10-26T02:00:00.000Z');
    expect(at('2031-11-02', 1, 'America/New_York')).toBe('2031-11-02T05:00:00.000Z');
  });

  it('reads an instant back as that date and hour', () => {
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Adelaide']) {
      for (const hour of [0, 9, 23]) {
        expect(zonedDateHour(zonedInstant('2031-05-20', hour, zone), zone)).toEqual({
          date: '2031-05-20',
          hour,
        });
      }
    }
    expect(isRealDate('2031-02-28')).toBe(true);
    expect(isRealDate('2032-02-29')).toBe(true);
    expect(isRealDate('2031-02-29')).toBe(false);
    expect(isRealDate('2031-13-01')).toBe(false);
  });
});

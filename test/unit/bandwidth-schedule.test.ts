import { describe, expect, it } from 'vitest';
import { bandwidthAt, ruleCovers } from '../../electron/common/bandwidth-schedule';
import { stationConfigSchema } from '../../electron/common/config';

// 2026-12-01 is a Tuesday (local time: the schedule is the station's wall clock).
const at = (day: number, hh: number, mm = 0): Date => new Date(2026, 10, 29 + day, hh, mm);

describe('bandwidth schedule', () => {
  const office = { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00', MBps: 20 };
  it('20 MB/s on weekdays 08:00–18:00, the plain limit (or none) otherwise', () => {
    expect(at(2, 9).getDay()).toBe(2);
    expect(bandwidthAt([office], undefined, at(2, 9))).toBe(20e6);
    expect(bandwidthAt([office], undefined, at(2, 18))).toBeUndefined();
    expect(bandwidthAt([office], undefined, at(0, 12))).toBeUndefined(); // Sunday
    expect(bandwidthAt([office], 80, at(6, 12))).toBe(80e6); // Saturday: the plain limit
    expect(bandwidthAt(undefined, 80, at(2, 9))).toBe(80e6);
  });
  it('an overnight rule belongs to the day it starts on', () => {
    const night = { days: [5], from: '22:00', to: '06:00', MBps: 5 };
    expect(ruleCovers(night, at(5, 23))).toBe(true); // Friday 23:00
    expect(ruleCovers(night, at(6, 3))).toBe(true); // Saturday 03:00, still Friday night
    expect(ruleCovers(night, at(6, 23))).toBe(false);
    expect(ruleCovers(night, at(5, 3))).toBe(false); // Friday 03:00 is Thursday night
  });
  it('a bad time is a config error with a sentence', () => {
    const r = stationConfigSchema.safeParse({
      destinations: { o: { type: 'folder', path: '/o' } },
      origin: 'o',
      bandwidthSchedule: [{ from: '8am', to: '18:00' }],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toMatch(/a time as HH:MM/);
  });
});

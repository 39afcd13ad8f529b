/**
 * The bandwidth limit as a timetable: e.g. 20 MB/s on weekdays 08:00–18:00, unlimited otherwise —
 * the supplier's office needs the uplink by day. The first rule that covers the moment wins; none:
 * the station's plain `bandwidthLimitMBps`. Local time of the station. One home for the rule: the
 * engine applies it live, the settings screen and the CLI show it.
 */
import { z } from 'zod';
import { strictObject } from './strict.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24 h)');

export const bandwidthRuleSchema = strictObject({
  /** Days of the week it applies on: 0 = Sunday … 6 = Saturday (default: every day). */
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
  from: hhmm,
  /** End, exclusive; earlier than `from` means overnight (22:00–06:00). */
  to: hhmm,
  /** The limit in MB/s; absent: unlimited while the rule applies. */
  MBps: z.number().positive().optional(),
});
export type BandwidthRule = z.infer<typeof bandwidthRuleSchema>;

const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Whether the rule covers this moment (an overnight rule belongs to the day it starts on). */
export function ruleCovers(rule: BandwidthRule, at: Date): boolean {
  const m = at.getHours() * 60 + at.getMinutes();
  const from = minutes(rule.from);
  const to = minutes(rule.to);
  const day = at.getDay();
  const onDay = (d: number): boolean => !rule.days || rule.days.includes(d);
  if (from < to) return onDay(day) && m >= from && m < to;
  // Overnight: the evening part on its day, the early hours on the next.
  return (onDay(day) && m >= from) || (onDay((day + 6) % 7) && m < to);
}

/** The limit in bytes/s at this moment (undefined: unlimited). */
export function bandwidthAt(
  schedule: BandwidthRule[] | undefined,
  fallbackMBps: number | undefined,
  at: Date,
): number | undefined {
  const rule = schedule?.find((r) => ruleCovers(r, at));
  const MBps = rule ? rule.MBps : fallbackMBps;
  return MBps ? MBps * 1e6 : undefined;
}

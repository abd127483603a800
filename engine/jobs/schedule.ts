/**
 * Timer start events as schedules: when occurrence k of a start timer falls due, computed from an
 * anchor (the deployment time) without any setTimeout, so a cycle of any length works.
 *
 *   timeDate      "2026-12-01T08:00:00Z"      once, at that date (a past date fires once at deploy)
 *   timeDuration  "PT10M"                     once, that long after the deployment
 *   timeCycle     "R/PT1H"                    every hour after the deployment, forever
 *                 "R3/PT10M"                  3 times: deployment + 10, 20, 30 minutes
 *                 "R/2026-12-01T08:00Z/P1D"   at the start date, then every day
 *                 "R5/2026-12-01T08:00Z/2026-12-01T09:00Z"  start + end: the period is end - start
 *
 * Occurrence k is computed from the anchor (never from the previous occurrence), so it does not
 * drift. Cron expressions are refused: Ordo parses ISO 8601 only (through @0dep/piso, the parser
 * bpmn-engine uses for the same timers).
 */
import { getDate, ISOInterval, parseDuration } from '@0dep/piso';

export type TimerStartType = 'timeDate' | 'timeDuration' | 'timeCycle';

export interface TimerStartSpec {
  type: TimerStartType;
  value: string;
}

interface Compiled {
  /** occurrence k (1-based) → its time */
  at(k: number): Date;
  /** total occurrences; Infinity for an unbounded cycle */
  count: number;
}

/** The shortest period a cycle may have: a start timer creates an instance each time. */
export const MIN_CYCLE_MS = 1000;

/** Parses a start timer, relative to `anchor`. Throws an Error with a reason the deploy reports. */
export function compileTimerStart(spec: TimerStartSpec, anchor: Date): Compiled {
  const value = spec.value.trim();
  if (!value) throw new Error(`the ${spec.type} is empty`);
  if (value.includes('${')) throw new Error('a start timer cannot use an expression (there are no variables before the start)');
  switch (spec.type) {
    case 'timeDate': {
      const at = getDate(value);
      if (Number.isNaN(at.getTime())) throw new Error(`"${value}" is not an ISO 8601 date`);
      return { at: () => at, count: 1 };
    }
    case 'timeDuration': {
      const duration = parseDuration(value);
      const at = duration.getExpireAt(anchor, 1);
      return { at: () => at, count: 1 };
    }
    case 'timeCycle': {
      if (!/^R\d*\//.test(value)) throw new Error(`"${value}" is not an ISO 8601 repeating interval (R[n]/[start/]duration); cron expressions are not supported`);
      const interval = new ISOInterval(value).parse();
      const count = interval.repeat === undefined || interval.repeat < 0 ? Infinity : interval.repeat;
      if (count === 0) throw new Error('R0 never fires');
      if (interval.start && interval.end && !interval.duration) {
        const start = interval.startDate;
        const period = interval.endDate.getTime() - start.getTime();
        if (period < MIN_CYCLE_MS) throw new Error(`the cycle period must be at least ${MIN_CYCLE_MS} ms`);
        return { at: (k) => new Date(start.getTime() + (k - 1) * period), count };
      }
      if (!interval.duration || interval.end) throw new Error(`"${value}": a start cycle is R[n]/duration or R[n]/start/duration`);
      const duration = interval.duration;
      // with a start date the first occurrence is that date; without, one period after the deployment
      const base = interval.start ? interval.startDate : anchor;
      const offset = interval.start ? 1 : 0;
      const at = (k: number) => (k - offset === 0 ? base : duration.getExpireAt(base, k - offset));
      if (duration.getExpireAt(base, 1).getTime() - base.getTime() < MIN_CYCLE_MS) throw new Error(`the cycle period must be at least ${MIN_CYCLE_MS} ms`);
      return { at, count };
    }
    default:
      throw new Error(`unknown timer type ${String(spec.type)}`);
  }
}

/** Throws when the start timer cannot be scheduled (deploy-time check). */
export function checkTimerStart(spec: TimerStartSpec): void {
  compileTimerStart(spec, new Date());
}

/**
 * The occurrence after occurrence `done` (0: none yet) that is still ahead of `now`. Occurrences
 * missed while no node ran are skipped (the overdue job itself runs once when a node is back; they
 * count against R<n>). A one-shot timer (timeDate, timeDuration) returns its one occurrence even when
 * past, so a past date fires once. null: the schedule is exhausted.
 */
export function nextOccurrence(spec: TimerStartSpec, anchor: Date, done: number, now: Date): { k: number; at: Date } | null {
  const c = compileTimerStart(spec, anchor);
  if (done >= c.count) return null;
  if (c.count === 1) return { k: 1, at: c.at(1) };
  const t = now.getTime();
  let k = done + 1;
  if (c.at(k).getTime() <= t) {
    // jump close by whole periods (a 1 s cycle after a month down is 2.6 million steps), then walk
    const period = Math.max(MIN_CYCLE_MS, c.at(k + 1).getTime() - c.at(k).getTime());
    k = Math.max(k, k + Math.floor((t - c.at(k).getTime()) / period) - 1);
    while (k > done + 1 && c.at(k - 1).getTime() > t) k--;
    while (c.at(k).getTime() <= t) k++;
  }
  return k > c.count ? null : { k, at: c.at(k) };
}

import { compileTimerStart, nextOccurrence } from './schedule';

const anchor = new Date('2026-11-25T16:00:00Z');
const at = (iso: string) => new Date(iso);

describe('timer start schedules', () => {
  it('counts a cycle without a start from the anchor, and one with a start from its start date', () => {
    expect(nextOccurrence({ type: 'timeCycle', value: 'R/PT1H' }, anchor, 0, anchor)).toEqual({ k: 1, at: at('2026-11-25T17:00:00Z') });
    expect(nextOccurrence({ type: 'timeCycle', value: 'R/2026-12-01T08:00:00Z/P1D' }, anchor, 0, anchor)).toEqual({ k: 1, at: at('2026-12-01T08:00:00Z') });
    expect(nextOccurrence({ type: 'timeCycle', value: 'R2/2026-12-01T00:00:00Z/2026-12-02T00:00:00Z' }, anchor, 1, at('2026-12-01T00:00:01Z'))).toEqual({ k: 2, at: at('2026-12-02T00:00:00Z') });
  });

  it('stops after R<n> occurrences and skips missed ones (they count against n)', () => {
    const r3 = { type: 'timeCycle' as const, value: 'R3/PT10M' };
    expect(nextOccurrence(r3, anchor, 1, at('2026-11-25T16:21:00Z'))).toEqual({ k: 3, at: at('2026-11-25T16:30:00Z') });
    expect(nextOccurrence(r3, anchor, 3, anchor)).toBeNull();
    expect(nextOccurrence(r3, anchor, 1, at('2026-11-25T17:00:00Z'))).toBeNull();
  });

  it('jumps over a long downtime of a short cycle without walking every occurrence', () => {
    const next = nextOccurrence({ type: 'timeCycle', value: 'R/PT1S' }, anchor, 1, new Date(anchor.getTime() + 30 * 86_400_000 + 500));
    expect(next).toEqual({ k: 30 * 86_400 + 1, at: new Date(anchor.getTime() + (30 * 86_400 + 1) * 1000) });
  });

  it('runs a one-shot timer once, even when its date is past', () => {
    expect(nextOccurrence({ type: 'timeDate', value: '2020-01-01T00:00:00Z' }, anchor, 0, anchor)).toEqual({ k: 1, at: at('2020-01-01T00:00:00Z') });
    expect(nextOccurrence({ type: 'timeDate', value: '2020-01-01T00:00:00Z' }, anchor, 1, anchor)).toBeNull();
    expect(nextOccurrence({ type: 'timeDuration', value: 'P40D' }, anchor, 0, anchor)).toEqual({ k: 1, at: new Date(anchor.getTime() + 40 * 86_400_000) });
  });

  it.each([
    ['0 0 9 * * ?', /cron expressions are not supported/],
    ['PT1H', /repeating interval/],
    ['R/PT0.5S', /at least 1000 ms/],
    ['R0/PT1H', /never fires/],
    ['R/${every}', /expression/],
  ])('refuses the cycle %s', (value, reason) => {
    expect(() => compileTimerStart({ type: 'timeCycle', value }, anchor)).toThrow(reason);
  });
});

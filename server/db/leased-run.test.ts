import { LeasedRun } from './leased-run';

/** A write that records when it starts and ends and finishes when the test lets it. */
function recorder() {
  const log: string[] = [];
  let active = 0;
  let overlapped = false;
  const op = (name: string, gate: Promise<void> = Promise.resolve()) => async () => {
    active++;
    if (active > 1) overlapped = true;
    log.push(`start ${name}`);
    await gate;
    log.push(`end ${name}`);
    active--;
    return name;
  };
  return { log, op, overlapped: () => overlapped };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LeasedRun', () => {
  it('given writes queued while one is in flight, when they run, then they run one at a time in the order queued', async () => {
    const r = recorder();
    let release!: () => void;
    const run = new LeasedRun(r.op('beat'), 60_000);
    const first = run.write(r.op('a', new Promise((res) => (release = res))));
    const second = run.write(r.op('b'));
    await tick(5);
    expect(r.log).toEqual(['start a']);
    release();
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
    expect(r.log).toEqual(['start a', 'end a', 'start b', 'end b']);
    await run.stop();
  });

  it('given a heartbeat due while a write is in flight, when it fires, then it waits its turn and never overlaps a write', async () => {
    const r = recorder();
    let release!: () => void;
    const run = new LeasedRun(r.op('beat'), 10);
    const slow = run.write(r.op('progress', new Promise((res) => (release = res))));
    await tick(50);
    release();
    await slow;
    await tick(30);
    await run.stop();
    expect(r.overlapped()).toBe(false);
    expect(r.log.filter((l) => l === 'start beat').length).toBeGreaterThan(0);
    expect(r.log.indexOf('start beat')).toBeGreaterThan(r.log.indexOf('end progress'));
  });

  it('given a heartbeat in flight, when the run stops, then stop waits for it and no heartbeat follows (the last write is alone)', async () => {
    const r = recorder();
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const run = new LeasedRun(r.op('beat', gate), 5);
    await tick(20); // the first beat is in flight, held by the gate
    expect(r.log).toEqual(['start beat']);
    let stopped = false;
    const stopping = run.stop().then(() => (stopped = true));
    await tick(5);
    expect(stopped).toBe(false);
    release();
    await stopping;
    const after = r.log.length;
    await tick(30);
    expect(r.log.length).toBe(after);
    expect(r.log.at(-1)).toBe('end beat');
  });

  it('given a write that fails, when the next is queued, then the next still runs and the failure reaches its caller', async () => {
    const run = new LeasedRun(async () => undefined, 60_000);
    const failing = run.write(async () => {
      throw new Error('database down');
    });
    await expect(failing).rejects.toThrow('database down');
    await expect(run.write(async () => 'next')).resolves.toBe('next');
    await run.stop();
  });
});

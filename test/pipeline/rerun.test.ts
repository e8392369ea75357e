import { describe, expect, it } from 'vitest';
import { Rerun } from '../../src/pipeline/rerun';

const tick = () => new Promise((r) => setImmediate(r));

describe('Rerun', () => {
  it('runs one pass at a time and once more after asks that came during a pass, however many', async () => {
    let passes = 0;
    let release: () => void = () => {};
    let settled = 0;
    const r = new Rerun(
      async () => {
        passes++;
        await new Promise<void>((res) => (release = res));
      },
      { settle: () => void settled++, onError: () => {} },
    );
    r.request();
    r.request();
    r.request();
    expect(passes).toBe(1);
    expect(r.running).toBe(true);
    release();
    await tick();
    expect(passes).toBe(2); // the two asks during pass 1 make one more pass
    release();
    await tick();
    expect(passes).toBe(2);
    expect(settled).toBe(1);
    expect(r.running).toBe(false);
  });

  it('ends the run on a failed pass, reports it, skips settle, and runs again when asked', async () => {
    const errors: unknown[] = [];
    let settled = 0;
    let fail = true;
    const r = new Rerun(
      async () => {
        if (fail) throw new Error('store down');
      },
      { settle: () => void settled++, onError: (e) => errors.push(e) },
    );
    r.request();
    await tick();
    expect(errors).toHaveLength(1);
    expect(settled).toBe(0);
    expect(r.running).toBe(false);
    fail = false;
    r.request();
    await tick();
    expect(settled).toBe(1);
  });

  it('ignores asks once stopped, and does not start another pass after a stop during one', async () => {
    let stopped = false;
    let passes = 0;
    const r = new Rerun(
      async () => {
        passes++;
        stopped = true;
      },
      { onError: () => {}, stopped: () => stopped },
    );
    r.request();
    r.request(); // the pass stopped it: ignored
    await tick();
    expect(passes).toBe(1);
    r.request();
    await tick();
    expect(passes).toBe(1);
  });

  it('while paused (the store cannot write): ignores asks, does not report a failed pass, and runs again when asked after', async () => {
    let paused = false;
    let passes = 0;
    const errors: unknown[] = [];
    const r = new Rerun(
      async () => {
        passes++;
        if (paused) throw new Error('SQLITE_FULL');
      },
      { onError: (e) => errors.push(e), paused: () => paused },
    );
    r.request();
    await tick();
    expect(passes).toBe(1);
    paused = true;
    r.request(); // ignored
    await tick();
    expect(passes).toBe(1);
    paused = false;
    r.request();
    paused = true; // the pass fails because the store just stopped taking writes: not reported
    await tick();
    expect(passes).toBe(2);
    expect(errors).toEqual([]);
    paused = false;
    r.request();
    await tick();
    expect(passes).toBe(3);
  });
});

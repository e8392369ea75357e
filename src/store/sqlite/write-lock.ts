/**
 * The SQLite write lock two threads of one process share (PROCESSING_THREAD: the receiving thread
 * stores webhooks, the processing thread everything else, each on its own connection). SQLite
 * would serialize them too, but its busy handler sleeps inside the synchronous driver, which
 * would stall the receiving thread's event loop for a millisecond or more whenever processing
 * holds the lock. This lock is waited for asynchronously (Atomics.waitAsync), so a waiting thread
 * keeps serving requests, and it lets urgent work (a provider waiting for its 200) go first: a
 * thread with only background work does not start a transaction while an urgent one is waiting.
 *
 * Cells of the shared Int32Array: [0] 1 while a thread holds the lock, [1] urgent waiters.
 */
// ES2024's Atomics.waitAsync (in Node since 16); the compiler's lib here predates it.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(cells: Int32Array, at: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

export class WriteLock {
  private readonly cells: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.cells = new Int32Array(buffer);
  }

  async acquire(urgent: boolean): Promise<void> {
    if (urgent) Atomics.add(this.cells, 1, 1);
    try {
      for (;;) {
        const waiting = Atomics.load(this.cells, 1);
        if (!urgent && waiting > 0) {
          await this.wait(1, waiting);
          continue;
        }
        if (Atomics.compareExchange(this.cells, 0, 0, 1) === 0) return;
        await this.wait(0, 1);
      }
    } finally {
      if (urgent) {
        Atomics.sub(this.cells, 1, 1);
        Atomics.notify(this.cells, 1);
      }
    }
  }

  release(): void {
    Atomics.store(this.cells, 0, 0);
    Atomics.notify(this.cells, 0);
  }

  /**
   * Until cell `at` is no longer `value` (or 20 ms passed: a safety net, then the caller looks
   * again). A pending waitAsync alone does not keep the event loop alive, so a timer does.
   */
  private async wait(at: number, value: number): Promise<void> {
    const w = waitAsync(this.cells, at, value, 20);
    if (!w.async) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([w.value, new Promise((r) => (timer = setTimeout(r, 25)))]);
    clearTimeout(timer);
  }
}

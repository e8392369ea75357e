/**
 * One pass at a time over work kept in the store; asked again while a pass runs, it runs once more
 * right after (however many asks came meanwhile), so work committed during a pass is never
 * stranded and never scanned twice at once. The dispatcher, the outbox and the processor each scan
 * this way.
 */
export interface RerunOptions {
  /** After the last pass of a run (e.g. arm the next timer); not after a failed one. */
  settle?: () => Promise<void> | void;
  /** A pass (or settle) threw: the run ends here; schedule a retry. */
  onError: (err: unknown) => void;
  /** While true, asks are ignored and no further pass starts. */
  stopped?: () => boolean;
  /**
   * While true (the store cannot write), asks are ignored too, and a pass that fails is not
   * reported: whoever sees the store writable again asks once more.
   */
  paused?: () => boolean;
}

export class Rerun {
  private active = false;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly opts: RerunOptions,
  ) {}

  /** A pass is running (or about to run again). */
  get running(): boolean {
    return this.active;
  }

  request(): void {
    if (this.opts.stopped?.() || this.opts.paused?.()) return;
    if (this.active) {
      this.again = true;
      return;
    }
    this.active = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.opts.stopped?.() && !this.opts.paused?.());
      await this.opts.settle?.();
    } catch (err) {
      if (!this.opts.paused?.()) this.opts.onError(err);
    } finally {
      this.active = false;
    }
  }
}

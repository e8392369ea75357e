/**
 * A store rescan due "within ms at the latest": asking for a later one while an earlier one is set
 * changes nothing, so a long idle timer never pushes back a short retry (a conversation or
 * partition another instance held is looked at again in 250 ms, not at the next idle scan).
 */
export class RescanTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = 0;
  private stopped = false;

  constructor(private readonly scan: () => void) {}

  within(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer && this.at <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scan();
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

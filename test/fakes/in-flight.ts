import type { IncomingMessage } from 'node:http';

/**
 * How a fake provider holds a send on the wire: `hold` (the test opens it), `delayMs`, and what
 * becomes of a request whose caller died meanwhile (`dropAborted`: true = the provider never got
 * it, false = it did anyway). `inFlight` counts the sends received and not yet answered,
 * `callersGone` those whose connection closed while they were held: a test that kills the sender
 * waits for it before opening the hold, since the kill's closed socket reaches this process's event
 * loop some time after the sender's exit does.
 */
export class OnTheWire {
  hold: Promise<unknown> | undefined;
  delayMs = 0;
  dropAborted: () => boolean = () => false;
  inFlight = 0;
  callersGone = 0;

  /** Wait as configured; false when the caller went away and the send is to count as never received. */
  async pass(req: IncomingMessage): Promise<boolean> {
    this.inFlight++;
    const gone = () => this.callersGone++;
    req.socket.once('close', gone);
    try {
      if (this.hold) await this.hold;
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    } finally {
      this.inFlight--;
      req.socket.off('close', gone);
    }
    return !(req.socket.destroyed && this.dropAborted());
  }
}

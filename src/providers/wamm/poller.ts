import { startRounds } from '../rounds';
import type { Delivery, ProviderRuntime } from '../types';
import type { WammClient } from './client';
import { deliveryKey } from './normalize';
import { WammWebhook } from './schema';

/**
 * Catches what the WAMM webhook missed (it only delivers while WAMM's connection to us is up):
 * msg_get_last at start-up and every WAMM_POLL_INTERVAL_MS, and msg_state + msg_get for a chat
 * when a status arrives for a message we never saw. Everything found is rebuilt into the `msg`
 * webhook shape and stored through runtime.ingest(), so dedupe (delivery key `msg:<id>`) is the
 * webhook's own: a message seen only here is answered once, and its late webhook changes nothing.
 */
class WammPoller {
  private running: Promise<void> = Promise.resolve();
  /** Ids already handed to ingest by this process, so each poll stores only what is new to us. */
  private readonly seen = new Set<number>();

  constructor(
    private readonly client: WammClient,
    private readonly rt: ProviderRuntime,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.rt.onUnknownStatuses?.((ids) => void this.serial(() => this.lookUp(ids)).catch((err) => this.lookUpFailed(err)));
    startRounds(this.rt, this.intervalMs, 'WAMM catch-up (msg_get_last)', () => this.serial(() => this.pollLast()));
  }

  /** One poll at a time (the rounds and the look-ups of unknown statuses), so two never race on the baseline cursor. */
  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.running.then(() => (this.rt.signal.aborted || !this.rt.isLeader() ? undefined : work()));
    this.running = next.catch(() => undefined);
    return next;
  }

  private lookUpFailed(err: unknown): void {
    this.rt.log.warn('WAMM look-up of an unknown message failed; the next round will catch it', { error: (err as Error).message });
  }

  private async pollLast(): Promise<void> {
    const rows = await this.client.lastMessages(100);
    await this.ingest(rows, 'msg_get_last');
  }

  private async lookUp(ids: string[]): Promise<void> {
    const phones = new Set<string>();
    for (const id of new Set(ids)) {
      if (this.seen.has(Number(id))) continue;
      try {
        phones.add((await this.client.messageState(id)).phone);
      } catch (err) {
        this.rt.log.warn('WAMM msg_state failed for a status of an unknown message', { msgId: id, error: (err as Error).message });
      }
    }
    for (const phone of phones) await this.ingest(await this.client.chatMessages(phone, 100), 'msg_get');
  }

  private async ingest(rows: Record<string, unknown>[], via: string): Promise<void> {
    const ids = rows.map((r) => Number(r.msg_id)).filter(Number.isFinite);
    const baseline = await this.rt.getCursor('baseline');
    if (baseline === undefined) {
      // First poll ever: what is already there predates Switchboard; answering it now would surprise people.
      await this.rt.setCursor('baseline', String(ids.length > 0 ? Math.max(...ids) : 0));
      for (const id of ids) this.seen.add(id);
      return;
    }
    const accountOf = await this.accounts();
    const deliveries: Delivery[] = [];
    for (const row of rows) {
      const id = Number(row.msg_id);
      if (!Number.isFinite(id) || id <= Number(baseline) || this.seen.has(id)) continue;
      const phone = String(row.phone ?? '');
      // [GUESS] poll rows carry no phone_acc (PROVIDERS.md §2): take it from the chat we already know.
      const body = WammWebhook.safeParse({ tip: 'msg', msg_data: { ...row, phone_acc: row.phone_acc ?? accountOf(phone) } });
      if (!body.success) {
        this.rt.log.warn(`WAMM ${via} returned a message we cannot read; skipped`, { msgId: row.msg_id, error: body.error.issues[0]?.message });
        continue;
      }
      deliveries.push({ key: deliveryKey(body.data), payload: body.data, recovered: true });
    }
    if (deliveries.length === 0) return;
    const r = await this.rt.ingest(deliveries);
    for (const d of deliveries) this.seen.add(Number((d.payload as WammWebhook).msg_data.msg_id));
    if (this.seen.size > 50_000) this.seen.clear();
    if (r.stored > 0) this.rt.log.info(`WAMM ${via} found ${r.stored} messages the webhook had not delivered`, { stored: r.stored, duplicates: r.duplicates });
  }

  /** phone → WAMM account, from the conversations stored so far; the most common account otherwise. */
  private async accounts(): Promise<(phone: string) => string> {
    const byPhone = new Map<string, string>();
    const counts = new Map<string, number>();
    for (const c of await this.rt.recentConversations(new Date(0).toISOString(), 1000)) {
      const account = c.address.account;
      const phone = c.address.phone;
      if (typeof account !== 'string' || typeof phone !== 'string') continue;
      byPhone.set(phone, account);
      counts.set(account, (counts.get(account) ?? 0) + 1);
    }
    const usual = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
    return (phone) => byPhone.get(phone) ?? usual;
  }
}

/** The catch-up loop (rounds.ts, as every provider's) plus look-ups of unknown statuses. */
export function startPoller(client: WammClient, runtime: ProviderRuntime, intervalMs: number): void {
  new WammPoller(client, runtime, intervalMs).start();
}

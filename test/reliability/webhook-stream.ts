/**
 * A provider delivering webhooks at a steady pace, each retried until it is acknowledged with a
 * 2xx, backing off as SuperViz documents (PROVIDERS.md §4: the delay doubles after each 5xx or
 * timeout), from retryMs up to maxRetryMs (scaled down from SuperViz's 2 s … 5 min so a 20 s outage
 * still sees several tries of each delivery). A fixed short retry (what this did first) kept
 * hundreds of deliveries retrying twice a second through an outage: about 8,000 503s in 20 s, which
 * measured the test machine's CPU more than the server. It counts what the faults tests assert on: every
 * answer's time, 503s with and without Retry-After, requests that got no HTTP answer at all.
 */
export interface StreamItem {
  /** What the reply to it is counted by (e.g. "<phone> <text>"). */
  key: string;
  body: unknown;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

export function webhookStream(make: (i: number) => StreamItem, post: (body: unknown) => Promise<Response>, retryMs = 500, maxRetryMs = 4000) {
  const acked: string[] = [];
  const ackTimes: number[] = [];
  const answerTimes: number[] = [];
  const deliveries: Promise<void>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let n = 0;
  const stats = { refused: 0, retryAfterMissing: 0, failedConnections: 0, slowest: 0, otherStatuses: [] as number[] };

  const deliver = async (item: StreamItem) => {
    for (let wait = retryMs; ; wait = Math.min(wait * 2, maxRetryMs)) {
      const started = Date.now();
      let status: number | undefined;
      let retryAfter: string | null = null;
      try {
        const r = await post(item.body);
        status = r.status;
        retryAfter = r.headers.get('retry-after');
        await r.arrayBuffer();
      } catch {
        stats.failedConnections++;
      }
      const took = Date.now() - started;
      stats.slowest = Math.max(stats.slowest, took);
      if (status !== undefined) answerTimes.push(took);
      if (status !== undefined && status >= 200 && status < 300) {
        acked.push(item.key);
        ackTimes.push(took);
        return;
      }
      if (status === 503) {
        stats.refused++;
        if (!retryAfter) stats.retryAfterMissing++;
      } else if (status !== undefined) stats.otherStatuses.push(status);
      await new Promise((r) => setTimeout(r, wait));
    }
  };

  return {
    get acked() {
      return acked.length;
    },
    get refused() {
      return stats.refused;
    },
    get retryAfterMissing() {
      return stats.retryAfterMissing;
    },
    get failedConnections() {
      return stats.failedConnections;
    },
    get slowest() {
      return stats.slowest;
    },
    get otherStatuses() {
      return stats.otherStatuses;
    },
    ackedKeys: () => [...acked],
    /** 99th percentile of the 2xx answers' times (ms). */
    p99: () => p99(ackTimes),
    /** 99th percentile of every answer's time, 503s included (ms). */
    answerP99: () => p99(answerTimes),
    start(intervalMs: number) {
      timer = setInterval(() => deliveries.push(deliver(make(n++))), intervalMs);
    },
    /** Stop starting new deliveries; resolves when every started one is acknowledged. */
    async stop() {
      clearInterval(timer);
      await Promise.all(deliveries);
    },
  };
}

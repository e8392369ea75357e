import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ago } from '../format';
import { Icon } from '../icons';

/** Per provider: last delivery, deliveries per minute over the last hour, backlogs, gaps, last poll, warnings; store and instances. */
interface ProviderHealth {
  provider: string;
  lastDeliveryAt: string | null;
  deliveries: number;
  gaps: number;
  lastPollAt: string | null;
  outboxPending: number;
  outboxDead: number;
  unprocessed: number;
  botRunsPending: number;
  quarantined: number;
  recovered: number;
  silent: boolean;
  api: { origin: string; reachable: boolean; lastError: string | null } | null;
}
interface Health {
  status: 'ok' | 'degraded';
  store: string;
  providers: ProviderHealth[];
  warnings: string[];
}
interface Activity {
  since: string;
  perMinute: { provider: string; minute: string; count: number }[];
  instances: string[];
}

function Chart({ provider, activity }: { provider: string; activity: Activity }) {
  const start = Date.parse(activity.since);
  const bins = new Array(60).fill(0);
  for (const p of activity.perMinute.filter((x) => x.provider === provider)) {
    const i = Math.floor((Date.parse(`${p.minute}:00Z`) - start) / 60_000);
    if (i >= 0 && i < 60) bins[i] += p.count;
  }
  const max = Math.max(1, ...bins);
  const total = bins.reduce((a, b) => a + b, 0);
  return html`<figure class="chart">
    <svg viewBox="0 0 240 48" preserveAspectRatio="none" role="img" aria-label=${`${provider}: ${total} deliveries in the last hour, at most ${max} a minute`}>
      ${bins.map((n, i) => html`<rect x=${i * 4} y=${48 - Math.max(n ? 2 : 1.5, (n / max) * 46)} width="3" height=${Math.max(n ? 2 : 1.5, (n / max) * 46)} class=${n ? 'bar' : 'bar zero'} />`)}
    </svg>
    <div class="axis" aria-hidden="true"><span>60 min ago</span><span>now</span></div>
    <figcaption>${total} in the last hour · peak ${max}/min</figcaption>
  </figure>`;
}

export function HealthView() {
  const [h, setH] = useState<Health | null>(null);
  const [a, setA] = useState<Activity | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      Promise.all([api<Health>('/api/health'), api<Activity>('/api/console/activity')])
        .then(([x, y]) => {
          setH(x);
          setA(y);
        })
        .catch((e) => setError(e.message));
    void load();
    const t = setInterval(load, 10_000);
    return () => clearInterval(t);
  }, []);
  if (!h || !a) return error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="empty" role="status">Loading…</p>`;
  return html`
    <header class="page-head">
      <h1>Health <span class=${`badge big ${h.status}`}>${h.status}</span></h1>
      <p class="sub">Store: ${h.store} · ${a.instances.length ? `instances holding work: ${a.instances.join(', ')}` : 'one instance'}</p>
    </header>
    ${h.warnings.length > 0 && html`<ul class="warnings" aria-label="Warnings">${h.warnings.map((w) => html`<li><${Icon} name="alert" size=${14} /> ${w}</li>`)}</ul>`}
    <div class="cards">
      ${h.providers.map(
        (p) => html`<section class="card provider" aria-label=${p.provider}>
          <h2>${p.provider} ${p.silent ? html`<span class="badge warn">silent</span>` : ''} ${p.api && !p.api.reachable ? html`<span class="badge failed">API down</span>` : ''}</h2>
          <${Chart} provider=${p.provider} activity=${a} />
          <dl class="stats">
            <div><dt>Last delivery</dt><dd>${ago(p.lastDeliveryAt)}</dd></div>
            <div><dt>Last poll</dt><dd>${ago(p.lastPollAt)}</dd></div>
            <div><dt>Not processed</dt><dd>${p.unprocessed}</dd></div>
            <div><dt>Bot runs waiting</dt><dd>${p.botRunsPending}</dd></div>
            <div><dt>Replies waiting</dt><dd>${p.outboxPending}</dd></div>
            <div><dt>Dead letters</dt><dd class=${p.outboxDead ? 'bad' : ''}>${p.outboxDead}</dd></div>
            <div><dt>Quarantined</dt><dd class=${p.quarantined ? 'bad' : ''}>${p.quarantined}</dd></div>
            <div><dt>Gaps</dt><dd>${p.gaps}</dd></div>
            <div><dt>Recovered by polling</dt><dd>${p.recovered}</dd></div>
            <div><dt>Deliveries</dt><dd>${p.deliveries}</dd></div>
          </dl>
        </section>`,
      )}
    </div>
  `;
}

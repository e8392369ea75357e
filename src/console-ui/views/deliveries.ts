import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, post, qs } from '../api';
import { clock, pending } from '../format';
import { useProviders } from './conversations';

/** The delivery log (admins): what arrived, raw body, quarantined ones with the reason, replay. */
interface Delivery {
  id: number;
  provider: string;
  key: string;
  status: string;
  receivedAt: string;
  reason: string | null;
  recovered: boolean;
  prunedAt: string | null;
}
interface Detail extends Delivery {
  body: string | null;
  contentType: string | null;
  headers: Record<string, string> | null;
  payload: unknown;
}

export function DeliveriesView() {
  const [filter, setFilter] = useState({ provider: '', status: '' });
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [open, setOpen] = useState<Detail | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const providers = useProviders();
  const load = async (cursor?: string) => {
    try {
      const r = await api<{ deliveries: Delivery[]; nextCursor: string | null }>(`/api/deliveries${qs({ ...filter, cursor, limit: 50 })}`);
      setRows((old) => (cursor ? [...(old ?? []), ...r.deliveries] : r.deliveries));
      setNext(r.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), [filter]);
  const show = async (id: number) => setOpen((await api<{ delivery: Detail }>(`/api/deliveries/${id}`)).delivery);
  const replay = async (id: number) => {
    try {
      const r = await post<{ replay: { message: string } }>(`/api/deliveries/${id}/replay`);
      setNotice(r.replay.message);
      await load();
      await show(id);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return html`
    <header class="page-head">
      <h1>Deliveries</h1>
      <p class="sub">Everything that arrived with the right secret, newest first. Quarantined ones can be replayed.</p>
    </header>
    <div class="toolbar">
      <label><span class="visually-hidden">Provider</span>
        <select value=${filter.provider} onChange=${(e: Event) => setFilter({ ...filter, provider: (e.target as HTMLSelectElement).value })}>
          <option value="">All providers</option>
          ${providers.map((p) => html`<option value=${p}>${p}</option>`)}
        </select>
      </label>
      <label><span class="visually-hidden">Status</span>
        <select value=${filter.status} onChange=${(e: Event) => setFilter({ ...filter, status: (e.target as HTMLSelectElement).value })}>
          <option value="">Any status</option>
          <option value="quarantined">Quarantined</option>
          <option value="processed">Processed</option>
          <option value="pending">Pending</option>
          <option value="discarded">Discarded</option>
        </select>
      </label>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <div class="split">
      ${
        rows === null
          ? pending(error)
          : rows.length === 0
            ? html`<p class="empty">${
                filter.provider || filter.status
                  ? 'No deliveries match these filters.'
                  : 'Nothing has arrived yet. Each provider posts to its webhook URL, which npm start prints.'
              }</p>`
            : html`<table class="table">
            <caption class="visually-hidden">Deliveries</caption>
            <thead><tr><th scope="col">#</th><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Received</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              ${rows.map(
                (d) => html`<tr class=${open?.id === d.id ? 'selected' : ''}>
                  <td><button class="link" onClick=${() => show(d.id)} aria-label=${`Open delivery ${d.id}`}>${d.id}</button></td>
                  <td><span class="chip">${d.provider}</span>${d.recovered ? html` <span class="badge">recovered</span>` : ''}</td>
                  <td><span class=${`badge d-${d.status}`}>${d.status}</span></td>
                  <td>${clock(d.receivedAt)}</td>
                  <td class="clip reason">${d.reason ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
      ${
        open &&
        html`<section class="card detail" aria-label=${`Delivery ${open.id}`}>
        <h2>Delivery #${open.id} <span class=${`badge d-${open.status}`}>${open.status}</span></h2>
        ${open.reason && html`<p class="error">${open.reason}</p>`}
        <p class="muted">${open.provider} · key <code>${open.key}</code> · ${open.contentType ?? 'no raw body'}</p>
        <button class="primary" onClick=${() => replay(open.id)}>Replay</button>
        <h3>Raw body</h3>
        <pre tabindex="0" aria-label="Raw body">${pretty(open)}</pre>
      </section>`
      }
    </div>
    ${next && html`<div class="more"><button onClick=${() => load(next)}>Load more</button></div>`}
  `;
}

/** The raw body as received, indented when it is JSON; the payload when no body was kept. */
function pretty(d: Detail): string {
  if (d.body === null) return d.payload === null ? '(pruned by retention)' : JSON.stringify(d.payload, null, 2);
  try {
    return JSON.stringify(JSON.parse(d.body), null, 2);
  } catch {
    return d.body;
  }
}

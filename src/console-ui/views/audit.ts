import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { clock, pending } from '../format';
import { BASE, follow } from '../router';

/** The audit log (admins): who did what, when, in which conversation; newest first, a page at a time. */
interface Entry {
  id: number;
  at: string;
  operatorName: string;
  action: string;
  conversationId: number | null;
  detail: Record<string, unknown> | null;
}

export function AuditView() {
  const [rows, setRows] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (cursor?: string) => {
    try {
      const r = await api<{ entries: Entry[]; nextCursor: string | null }>(`/api/console/audit${cursor ? `?cursor=${cursor}` : ''}`);
      setRows((old) => (cursor ? [...(old ?? []), ...r.entries] : r.entries));
      setNext(r.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);
  return html`
    <header class="page-head">
      <h1>Audit log</h1>
      <p class="sub">Every operator action: sign-ins, take-overs, messages, retries. Newest first.</p>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      rows === null
        ? pending(error)
        : html`<table class="table">
            <caption class="visually-hidden">Audit log</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Conversation</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              ${rows.map(
                (e) => html`<tr>
                  <td>${clock(e.at)}</td>
                  <td><strong>${e.operatorName}</strong></td>
                  <td>${e.action}</td>
                  <td>${e.conversationId === null ? html`<span class="muted">—</span>` : html`<a href=${`${BASE}/conversations/${e.conversationId}`} onClick=${follow}>#${e.conversationId}</a>`}</td>
                  <td class="muted clip">${
                    e.detail
                      ? Object.entries(e.detail)
                          .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                          .join(', ')
                      : ''
                  }</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${next && html`<div class="more"><button onClick=${() => load(next)}>Load more</button></div>`}
  `;
}

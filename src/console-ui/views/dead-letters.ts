import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, post } from '../api';
import { ago, pending } from '../format';
import { BASE, follow } from '../router';

/** Replies that could not be sent: why, how often tried, the text; retry (one or many), discard, edit and resend. */
interface Dead {
  id: number;
  provider: string;
  conversationId: number;
  attempts: number;
  reason: string | null;
  text: string | null;
  at: string;
  maybeDelivered: boolean;
}

export function DeadLettersView() {
  const [rows, setRows] = useState<Dead[] | null>(null);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [editing, setEditing] = useState<{ id: number; text: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api<{ deadLetters: Dead[] }>('/api/console/dead-letters')
      .then((r) => setRows(r.deadLetters))
      .catch((e) => setError(e.message));
  useEffect(() => void load(), []);
  const run = async (what: () => Promise<string>) => {
    setError(null);
    try {
      setNotice(await what());
      setPicked(new Set());
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const retry = (ids: number[], force = false) =>
    run(async () => {
      const r = await post<{ queued: number; leftMaybeDelivered: number[] }>('/api/console/dead-letters/retry', { ids, force });
      return `${r.queued} queued again${r.leftMaybeDelivered.length ? `; ${r.leftMaybeDelivered.length} may already have been delivered: retry those one by one` : ''}.`;
    });
  const toggle = (id: number) => {
    const s = new Set(picked);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setPicked(s);
  };
  return html`
    <header class="page-head">
      <h1>Dead letters</h1>
      <p class="sub">Replies the providers refused or that ran out of attempts.</p>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    ${
      rows &&
      rows.length > 0 &&
      html`<div class="toolbar">
      <button class="primary" disabled=${picked.size === 0} onClick=${() => retry([...picked])}>Retry selected (${picked.size})</button>
      <button onClick=${() => retry(rows.map((r) => r.id))}>Retry all</button>
    </div>`
    }
    ${
      rows === null
        ? pending(error)
        : rows.length === 0
          ? html`<p class="empty">No dead letters. Every reply got out.</p>`
          : html`<table class="table">
            <caption class="visually-hidden">Dead letters</caption>
            <thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Reply</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Conversation</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (d) => html`<tr>
                  <td><input type="checkbox" aria-label=${`Select dead letter ${d.id}`} checked=${picked.has(d.id)} onChange=${() => toggle(d.id)} /></td>
                  <td class="clip">
                    ${
                      editing?.id === d.id
                        ? html`<label class="visually-hidden" for=${`edit-${d.id}`}>New text</label>
                          <textarea id=${`edit-${d.id}`} rows="2" value=${editing.text} onInput=${(e: Event) => setEditing({ id: d.id, text: (e.target as HTMLTextAreaElement).value })}></textarea>`
                        : (d.text ?? '—')
                    }
                    ${d.maybeDelivered && html`<div class="badge warn">may already be delivered</div>`}
                  </td>
                  <td class="reason">${d.reason ?? '—'} <span class="muted">${ago(d.at)}</span></td>
                  <td>${d.attempts}</td>
                  <td><a href=${`${BASE}/conversations/${d.conversationId}`} onClick=${follow}>#${d.conversationId}</a> <span class="chip">${d.provider}</span></td>
                  <td class="row-actions">
                    ${
                      editing?.id === d.id
                        ? html`<button class="primary" onClick=${() =>
                            run(async () => {
                              await post(`/api/console/dead-letters/${d.id}/edit`, { text: editing.text });
                              setEditing(null);
                              return 'Edited and queued again.';
                            })}>Resend</button>
                          <button onClick=${() => setEditing(null)}>Cancel</button>`
                        : html`<button onClick=${() =>
                            run(async () => {
                              await post(`/api/console/dead-letters/${d.id}/retry`, { force: d.maybeDelivered });
                              return 'Queued again.';
                            })}>Retry</button>
                          <button onClick=${() => setEditing({ id: d.id, text: d.text ?? '' })}>Edit</button>
                          <button class="danger" onClick=${() =>
                            run(async () => {
                              await post(`/api/console/dead-letters/${d.id}/discard`);
                              return 'Discarded.';
                            })}>Discard</button>`
                    }
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}

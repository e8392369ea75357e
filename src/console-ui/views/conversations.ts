import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, onConversationsChanged, qs } from '../api';
import { LiveNote } from '../live';
import { ago, hue, initials, pending } from '../format';
import { BASE, follow } from '../router';
import { Icon } from '../icons';

/** Every provider's conversations, newest activity first; filters, search, a page at a time, live. */

export interface ConversationRow {
  id: number;
  provider: string;
  externalId: string;
  title: string | null;
  status: 'open' | 'handoff';
  lastMessageAt: string | null;
  lastText: string | null;
  failing: boolean;
  claimedBy: string | null;
}

interface Filters {
  provider: string;
  status: string;
  failing: boolean;
  q: string;
}

const byActivity = (a: ConversationRow, b: ConversationRow) => (b.lastMessageAt ?? '').localeCompare(a.lastMessageAt ?? '') || b.id - a.id;

export function useProviders(): string[] {
  const [providers, setProviders] = useState<string[]>([]);
  useEffect(() => {
    api<{ providers: string[] }>('/api/console/providers')
      .then((r) => setProviders(r.providers))
      .catch(() => undefined);
  }, []);
  return providers;
}

export function ConversationsView() {
  const [filters, setFilters] = useState<Filters>({ provider: '', status: '', failing: false, q: '' });
  const [rows, setRows] = useState<ConversationRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const providers = useProviders();
  const current = useRef(filters);
  current.current = filters;
  // "3 min ago" stays true while the page is open.
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);

  const load = useCallback(async (f: Filters, cursor?: string) => {
    try {
      const r = await api<{ conversations: ConversationRow[]; nextCursor: string | null }>(
        `/api/console/conversations${qs({ provider: f.provider, status: f.status, failing: f.failing, q: f.q, cursor, limit: 50 })}`,
      );
      setError(null);
      return r;
    } catch (e) {
      setError((e as Error).message);
      return undefined;
    }
  }, []);

  // The first read at once; while typing a search, after a pause.
  const first = useRef(true);
  useEffect(() => {
    const t = setTimeout(
      async () => {
        const r = await load(filters);
        if (!r) return;
        setRows(r.conversations);
        setNext(r.nextCursor);
      },
      first.current ? 0 : 200,
    );
    first.current = false;
    return () => clearTimeout(t);
  }, [filters]);

  // Live: the first page again, merged over what is shown (rows moved up or new; later pages stay).
  useEffect(
    () =>
      onConversationsChanged(async () => {
        const r = await load(current.current);
        if (!r) return;
        setRows((old) => {
          const fresh = new Map(r.conversations.map((c) => [c.id, c]));
          const kept = (old ?? []).filter((c) => !fresh.has(c.id));
          return [...r.conversations, ...kept].sort(byActivity);
        });
      }),
    [],
  );

  const more = async () => {
    if (!next) return;
    const r = await load(filters, next);
    if (!r) return;
    setRows((old) => [...(old ?? []), ...r.conversations.filter((c) => !(old ?? []).some((o) => o.id === c.id))]);
    setNext(r.nextCursor);
  };
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });

  return html`
    <header class="page-head">
      <h1>Conversations</h1>
      <p class="sub">
        Every provider, newest activity first.<${LiveNote} />
      </p>
    </header>
    <div class="toolbar" role="search">
      <label class="search">
        <span class="visually-hidden">Search text or participant</span>
        <input type="search" placeholder="Search text or participant…" value=${filters.q} onInput=${(e: Event) => set({ q: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        <span class="visually-hidden">Provider</span>
        <select value=${filters.provider} onChange=${(e: Event) => set({ provider: (e.target as HTMLSelectElement).value })}>
          <option value="">All providers</option>
          ${providers.map((p) => html`<option value=${p}>${p}</option>`)}
        </select>
      </label>
      <label>
        <span class="visually-hidden">Status</span>
        <select value=${filters.status} onChange=${(e: Event) => set({ status: (e.target as HTMLSelectElement).value })}>
          <option value="">Any status</option>
          <option value="open">Open (bots answer)</option>
          <option value="handoff">Hand-off (people answer)</option>
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked=${filters.failing} onChange=${(e: Event) => set({ failing: (e.target as HTMLInputElement).checked })} />
        Has failures
      </label>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      rows === null
        ? pending(error)
        : rows.length === 0
          ? html`<p class="empty">No conversations match.</p>`
          : html`<ul class="conversations" aria-label="Conversations">
            ${rows.map((c) => html`<${Row} key=${c.id} c=${c} />`)}
          </ul>`
    }
    ${next && html`<div class="more"><button onClick=${more}>Load more</button></div>`}
  `;
}

function Row({ c }: { c: ConversationRow }) {
  const name = c.title ?? c.externalId;
  return html`
    <li class="conversation" data-id=${c.id}>
      <a href=${`${BASE}/conversations/${c.id}`} onClick=${follow}>
        <span class="avatar" style=${`background:hsl(${hue(name)} 60% 32%)`} aria-hidden="true">${initials(name)}</span>
        <span class="who">
          <span class="name">${name}</span>
          <span class="last">${c.lastText ?? '—'}</span>
        </span>
        <span class="tags">
          <span class="chip">${c.provider}</span>
          ${c.status === 'handoff' && html`<span class="badge handoff">hand-off</span>`}
          ${c.failing && html`<span class="badge failed">failures</span>`}
          ${c.claimedBy && html`<span class="badge claimed"><${Icon} name="user" size=${12} /> ${c.claimedBy}</span>`}
        </span>
        <time datetime=${c.lastMessageAt ?? ''}>${ago(c.lastMessageAt)}</time>
      </a>
    </li>
  `;
}

import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Actor, api, onConversationsChanged, post } from '../api';
import { LiveNote } from '../live';
import { ago, clock } from '../format';
import { BASE, follow } from '../router';
import { Icon } from '../icons';
import { type Attempt, Attempts, type BotRun, BotRuns } from '../trail';

/**
 * One conversation as a timeline that answers "why did this person get no answer?": each message
 * with the delivery it came in, the bot runs on it and their errors, each reply's outbox attempts
 * and delivery status; presence and session events; take over, hand back, write, retry.
 */

interface Msg {
  id: number;
  direction: 'inbound' | 'outbound';
  author: { id: string; name: string | null; role: string };
  kind: string;
  text: string | null;
  sentAt: string;
  status: string;
  rawStatus: string | null;
  orderKey: number;
}
interface Run {
  id: number;
  event: { type: string; messageId?: number; presence?: string; participantExternalId?: string; name?: string; status?: string; at?: string };
  deliveryId: number | null;
  attempts: number;
  lastError: string | null;
  status: string;
  orderKey: number;
  /** What each routed bot did; absent on runs stored before it was recorded, or not yet run. */
  runs?: BotRun[];
}
interface Out {
  id: number;
  messageId: number;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  maybeDelivered?: boolean;
  attemptLog?: Attempt[];
}
interface Timeline {
  conversation: { id: number; provider: string; externalId: string; title: string | null; status: 'open' | 'handoff'; lastMessageAt: string | null };
  claimedBy: string | null;
  messages: Msg[];
  dispatches: Run[];
  deliveries: { id: number; receivedAt: string; recovered: boolean; status: string }[];
  outbox: Out[];
  audit: { id: number; at: string; operatorName: string; action: string }[];
}

export function ConversationView({ id, actor }: { id: number; actor: Actor }) {
  const [t, setT] = useState<Timeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  // The newest message in view: on open, and when one arrives while the reader is at the bottom.
  const list = useRef<HTMLOListElement>(null);
  const count = useRef(0);
  useEffect(() => {
    const el = list.current;
    const n = t?.messages.length ?? 0;
    if (el && n !== count.current && (count.current === 0 || el.scrollHeight - el.scrollTop - el.clientHeight < 120)) el.scrollTop = el.scrollHeight;
    count.current = n;
  });

  const load = useCallback(async () => {
    try {
      setT(await api<Timeline>(`/api/console/conversations/${id}`));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id]);
  useEffect(() => {
    void load();
    return onConversationsChanged((ids) => (!ids || ids.includes(id)) && void load());
  }, [id]);
  // Reply statuses and bot runs change without a new message: look again while one is under way.
  const inFlight = t?.outbox.some((o) => o.status === 'pending' || o.status === 'sending') || t?.dispatches.some((d) => d.status === 'pending');
  useEffect(() => {
    if (!inFlight) return;
    const timer = setInterval(() => void load(), 1500);
    return () => clearInterval(timer);
  }, [inFlight, id]);

  const act = async (what: string, path: string, body: unknown = {}) => {
    setBusy(true);
    setNotice(null);
    try {
      await post(path, body);
      setNotice(what);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const send = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    await act('Sent to the outbox.', `/api/console/conversations/${id}/messages`, { text, force: false });
    setText('');
  };

  if (!t) return error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="empty" role="status">Loading…</p>`;
  const c = t.conversation;
  const mine = t.claimedBy === actor.name;
  const otherClaim = t.claimedBy && !mine;
  const items = [
    ...t.messages.map((m) => ({ key: `m${m.id}`, order: m.orderKey, at: m.sentAt, m })),
    ...t.dispatches.filter((d) => d.event.type === 'presence').map((d) => ({ key: `p${d.id}`, order: d.orderKey, at: d.event.at ?? '', d })),
  ].sort((a, b) => a.order - b.order || a.key.localeCompare(b.key, 'en', { numeric: true }));

  // Which bots answered each customer message: the bot replies that follow it, before the next one.
  const answered = new Map<number, Set<string>>();
  let lastInbound: number | undefined;
  for (const it of items) {
    const m = 'm' in it ? it.m : undefined;
    if (!m) continue;
    if (m.direction === 'inbound') lastInbound = m.id;
    else if (lastInbound !== undefined && m.author.role === 'bot')
      answered.set(lastInbound, (answered.get(lastInbound) ?? new Set()).add(m.author.name ?? m.author.id));
  }

  return html`
    <header class="page-head conv-head">
      <a class="back" href=${`${BASE}/conversations`} onClick=${follow}>← Conversations</a>
      <h1>${c.title ?? c.externalId}</h1>
      <p class="sub">
        <span class="chip">${c.provider}</span> <code>${c.externalId}</code>
        <span class=${`badge ${c.status}`}>${c.status === 'handoff' ? 'hand-off: people answer' : 'open: bots answer'}</span>
        ${t.claimedBy && html`<span class="badge claimed"><${Icon} name="user" size=${13} /> ${mine ? 'you are answering' : `${t.claimedBy} is answering`}</span>`}
        <${LiveNote} quiet />
      </p>
      <div class="actions">
        ${
          (c.status === 'open' || !mine) &&
          html`<button class="primary" disabled=${busy} onClick=${() =>
            act('You took over: the bots are silent here.', `/api/console/conversations/${id}/takeover`, { force: !!otherClaim })}>
          ${otherClaim ? `Take over from ${t.claimedBy}` : 'Take over'}
        </button>`
        }
        ${
          c.status === 'handoff' &&
          html`<button disabled=${busy} onClick=${() => act('Handed back to the bots.', `/api/console/conversations/${id}/handback`)}>Hand back to bots</button>`
        }
      </div>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <div class="conv-body">
      <ol class="timeline" aria-label="Timeline" ref=${list} tabindex="0">
        ${items.map((it) =>
          'm' in it && it.m
            ? html`<${MessageItem} key=${it.key} m=${it.m} t=${t} answered=${[...(answered.get(it.m.id) ?? [])]} busy=${busy} retry=${(o: Out) =>
                act('Reply queued again.', `/api/console/dead-letters/${o.id}/retry`, { force: !!o.maybeDelivered })} />`
            : html`<li key=${it.key} class="event">
                <span><${Icon} name="dot" size=${12} /> ${(it as { d: Run }).d.event.participantExternalId ?? 'someone'} is ${(it as { d: Run }).d.event.presence}</span>
                <time>${clock(it.at)}</time>
              </li>`,
        )}
      </ol>
      <aside class="activity" aria-label="Operator activity">
        <h2>Activity</h2>
        ${t.audit.length === 0 ? html`<p class="muted">No operator actions yet.</p>` : ''}
        <ul>
          ${t.audit.map((a) => html`<li><strong>${a.operatorName}</strong> ${a.action} <time datetime=${a.at}>${ago(a.at)}</time></li>`)}
        </ul>
      </aside>
    </div>
    <form class="composer" onSubmit=${send}>
      <label for="reply-text">Message to the customer${otherClaim ? ` (${t.claimedBy} is answering: take over first)` : ''}</label>
      ${c.status === 'open' && !otherClaim && html`<p class="composer-hint" id="reply-hint">Writing takes this conversation: bots keep answering until you take over.</p>`}
      <div class="composer-row">
        <textarea
          id="reply-text"
          rows="2"
          value=${text}
          disabled=${!!otherClaim}
          aria-describedby=${c.status === 'open' && !otherClaim ? 'reply-hint' : undefined}
          placeholder="Write as yourself…"
          onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
          }}
        ></textarea>
        <button class="primary" type="submit" disabled=${busy || !text.trim() || !!otherClaim}>Send</button>
      </div>
    </form>
  `;
}

function MessageItem({ m, t, answered, busy, retry }: { m: Msg; t: Timeline; answered: string[]; busy: boolean; retry: (o: Out) => void }) {
  const runs = t.dispatches.filter((d) => d.event.messageId === m.id && d.event.type === 'message');
  const delivery = t.deliveries.find((d) => runs.some((r) => r.deliveryId === d.id));
  const out = t.outbox.find((o) => o.messageId === m.id);
  const who = m.author.name ?? m.author.id;
  const mine = m.direction === 'outbound';
  return html`
    <li class=${`msg ${mine ? 'out' : 'in'} role-${m.author.role}`}>
      <div class="bubble">
        <div class="meta-top"><strong>${who}</strong> <span class="role">${m.author.role}</span> <time datetime=${m.sentAt}>${clock(m.sentAt)}</time></div>
        <div class="text">${m.text ?? html`<em>[${m.kind}]</em>`}</div>
      </div>
      <div class="trail">
        ${
          !mine &&
          (delivery
            ? html`<span><${Icon} name="in" size=${13} /> ${delivery.recovered ? 'recovered by polling' : 'webhook'}, delivery #${delivery.id}, stored ${clock(delivery.receivedAt)}</span>`
            : html`<span class="muted"><${Icon} name="in" size=${13} /> delivery not in view</span>`)
        }
        ${
          !mine &&
          (runs.length === 0
            ? html`<span class="muted"><${Icon} name="bot" size=${13} /> no bot run (hand-off, a filter or no route)</span>`
            : runs.map(
                (r) =>
                  html`${
                    (r.status !== 'done' || r.lastError || !r.runs) &&
                    html`<span class=${r.status === 'failed' || r.lastError ? 'bad' : ''}>
                  <${Icon} name="bot" size=${13} /> bot run ${r.status}${r.attempts > 0 ? `, ${r.attempts} failed attempt${r.attempts > 1 ? 's' : ''}` : ''}${r.lastError ? `: ${r.lastError}` : ''}${
                    r.status !== 'done' || r.runs
                      ? ''
                      : answered.length
                        ? `: ${answered.join(', ')} answered`
                        : ': no bot answered (hand-off, a filter, or no route)'
                  }
                </span>`
                  }${r.runs && html`<${BotRuns} runs=${r.runs} />`}`,
              ))
        }
        ${
          out &&
          html`<span class=${out.status === 'dead' ? 'bad' : ''}>
          <${Icon} name="out" size=${13} /> outbox ${out.status}, ${out.attempts} attempt${out.attempts === 1 ? '' : 's'}${out.lastError ? `; provider said: ${out.lastError}` : ''}${out.sentAt ? `; sent ${clock(out.sentAt)}` : ''}
        </span>`
        }
        ${mine && html`<span class=${`status s-${m.status}`}>${m.status}</span>`}
        ${out?.attemptLog && html`<${Attempts} attempts=${out.attemptLog} total=${out.attempts} />`}
        ${out?.status === 'dead' && html`<button class="small" disabled=${busy} onClick=${() => retry(out)}>Retry this reply</button>`}
      </div>
    </li>
  `;
}

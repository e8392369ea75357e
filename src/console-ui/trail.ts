import { html } from 'htm/preact';
import { clock } from './format';
import { Icon } from './icons';

/**
 * The conversation timeline's trail lines: what each routed bot did with a customer message (and
 * why none answered), and each send attempt of a reply with what the provider said.
 */

/** What one route's bot did for a dispatch (the store's BotRun). */
export type BotRun =
  | { bot: string; outcome: 'ran'; replies: number }
  | { bot: string; outcome: 'failed'; error: string }
  | { bot: string; outcome: 'skipped'; reason: 'handoff' | 'filter' | 'not routed' | 'cannot reply'; error?: string };

/** One send attempt of a reply (the store's OutboxAttempt). */
export interface Attempt {
  at: string;
  outcome: 'sent' | 'retry' | 'dead';
  error?: string;
  externalId?: string;
}

const WHY: Record<string, string> = {
  handoff: 'skipped: the conversation is handed to people',
  filter: 'skipped: no handler matched (its filter)',
  'not routed': 'skipped: not routed to this provider or conversation',
  'cannot reply': 'could not reply: the provider is receive-only',
};

function runLine(r: BotRun) {
  if (r.outcome === 'ran')
    return html`<li class="run-ran"><${Icon} name="bot" size=${13} /> <strong>${r.bot}</strong> ${r.replies > 0 ? `answered (${r.replies} repl${r.replies === 1 ? 'y' : 'ies'})` : 'ran, no reply'}</li>`;
  if (r.outcome === 'failed') return html`<li class="bad run-failed"><${Icon} name="bot" size=${13} /> <strong>${r.bot}</strong> failed: ${r.error}</li>`;
  return html`<li class=${`run-skipped why-${r.reason.replace(' ', '-')}`}><${Icon} name="bot" size=${13} /> <strong>${r.bot}</strong> ${WHY[r.reason] ?? r.reason}${r.error ? ` (${r.error})` : ''}</li>`;
}

/** The bots of one dispatch; the summary says why nobody answered when no bot replied. */
export function BotRuns({ runs }: { runs: BotRun[] }) {
  const answered = runs.some((r) => r.outcome === 'ran' && r.replies > 0);
  const summary = answered
    ? null
    : runs.length === 0
      ? 'No bot answered: no bot is configured'
      : runs.every((r) => r.outcome === 'skipped' && r.reason === 'handoff')
        ? 'No bot answered: the conversation is handed to people'
        : 'No bot answered';
  return html`<div class="bot-runs">
    ${summary && html`<span class="no-answer"><${Icon} name="alert" size=${13} /> ${summary}</span>`}
    <ul class="runs" aria-label="Bots on this message">
      ${runs.map(runLine)}
    </ul>
  </div>`;
}

function attemptLine(a: Attempt) {
  const said = a.outcome === 'sent' ? (a.externalId ? `provider id ${a.externalId}` : '') : (a.error ?? '');
  return html`<li class=${`attempt a-${a.outcome}`}>
    <time datetime=${a.at}>${clock(a.at)}</time> <span class="outcome">${a.outcome === 'retry' ? 'failed, will retry' : a.outcome}</span>${said ? `: ${said}` : ''}
  </li>`;
}

/** Each send attempt of a reply, oldest first (the last ten the store keeps). */
export function Attempts({ attempts, total }: { attempts: Attempt[]; total: number }) {
  if (attempts.length === 0) return null;
  return html`<ol class="attempts" aria-label="Send attempts">
    ${total > attempts.length && html`<li class="muted">${total - attempts.length} earlier attempt${total - attempts.length === 1 ? '' : 's'} not kept</li>`}
    ${attempts.map(attemptLine)}
  </ol>`;
}

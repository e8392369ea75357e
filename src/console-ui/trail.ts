import { html } from 'htm/preact';
import { clock, timeOfDay } from './format';
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

/** Consecutive attempts with the same outcome and the same answer, shown as one line. */
export interface AttemptRun extends Attempt {
  /** When the last of them was made (`at` is the first's). */
  lastAt: string;
  count: number;
}

/**
 * Folds a reply's attempts into runs: six "failed, will retry: HTTP 503" in a row are one line
 * saying so six times, from the first to the last; an attempt that differs starts a new line.
 */
export function foldAttempts(attempts: Attempt[]): AttemptRun[] {
  const runs: AttemptRun[] = [];
  for (const a of attempts) {
    const last = runs.at(-1);
    if (last && a.outcome !== 'sent' && last.outcome === a.outcome && (last.error ?? '') === (a.error ?? '')) {
      last.count++;
      last.lastAt = a.at;
    } else runs.push({ ...a, lastAt: a.at, count: 1 });
  }
  return runs;
}

const sameDay = (a: string, b: string) => new Date(a).toDateString() === new Date(b).toDateString();

function attemptLine(a: AttemptRun) {
  const said = a.outcome === 'sent' ? (a.externalId ? `provider id ${a.externalId}` : '') : (a.error ?? '');
  const outcome = a.outcome === 'retry' ? 'failed, will retry' : a.outcome;
  return html`<li class=${`attempt a-${a.outcome}`}>
    <time datetime=${a.at}>${clock(a.at)}</time>${a.count > 1 && html`–<time datetime=${a.lastAt}>${sameDay(a.at, a.lastAt) ? timeOfDay(a.lastAt) : clock(a.lastAt)}</time>`} <span class="outcome">${a.count > 1 ? `${a.outcome === 'retry' ? 'failed' : outcome} ${a.count} times${a.outcome === 'retry' ? ', will retry' : ''}` : outcome}</span>${said ? `: ${said}` : ''}
  </li>`;
}

/** Each send attempt of a reply, oldest first (the last ten the store keeps), repeats folded. */
export function Attempts({ attempts, total }: { attempts: Attempt[]; total: number }) {
  if (attempts.length === 0) return null;
  return html`<ol class="attempts" aria-label="Send attempts">
    ${total > attempts.length && html`<li class="muted">${total - attempts.length} earlier attempt${total - attempts.length === 1 ? '' : 's'} not kept</li>`}
    ${foldAttempts(attempts).map(attemptLine)}
  </ol>`;
}

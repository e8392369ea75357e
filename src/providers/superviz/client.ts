import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { Conversation, OutgoingMessage } from '../../model';
import { requestJson } from '../http-client';
import type { ProviderClient, SendResult } from '../types';
import { ProviderSendError } from '../../model/errors';
import { OWN_SOURCE } from './normalize';
import { ChannelHistory } from './schema';
import type { InterruptedSend, SendAttempt } from '../../model/send-attempt';

/** GET /realtime/{channel} keeps this many of a channel's newest events (PROVIDERS.md §4). */
const HISTORY_SIZE = 250;

const channelOf = (conversation: Conversation) => (typeof conversation.address.channel === 'string' ? conversation.address.channel : conversation.externalId);

/**
 * The SuperViz Real-time REST API (PROVIDERS.md §4): `client_id` and `secret` headers; publish
 * with POST /realtime/{channel}/publish, the last 250 events with GET /realtime/{channel}.
 * The API secret expires (1 h … 365 days, chosen at creation): a 401 is permanent until it is replaced.
 */
export class SuperVizClient implements ProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly clientId: string,
    private readonly secret: string,
    private readonly messageEvent: string,
    private readonly log?: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  private headers() {
    return { client_id: this.clientId, secret: this.secret, 'content-type': 'application/json' };
  }

  private channelUrl(channel: string) {
    return `${this.baseUrl}/realtime/${encodeURIComponent(channel)}`;
  }

  /**
   * A reply is an event named SUPERVIZ_MESSAGE_EVENT with data.text, marked source=switchboard so
   * its echo is recorded but never answered, and with a ref so the echo folds into this reply.
   */
  async send(conversation: Conversation, message: OutgoingMessage, attempt?: SendAttempt): Promise<SendResult> {
    const channel = channelOf(conversation);
    // The outbox's ref, recorded before this request: after a crash, confirm() looks for it.
    const ref = attempt?.ref ?? randomUUID();
    const data: Record<string, unknown> = { text: message.text ?? message.media?.caption ?? message.media?.url ?? '', source: OWN_SOURCE, ref };
    if (message.media) data.media = message.media;
    if (message.replyToExternalId) data.replyTo = message.replyToExternalId;
    await requestJson(`${this.channelUrl(channel)}/publish`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ name: this.messageEvent, data }),
      what: 'SuperViz publish',
      timeoutMs: this.timeoutMs,
    });
    this.log?.debug('superviz publish ok', { channel, ref });
    return { externalId: `out:${ref}` };
  }

  /**
   * Did an interrupted publish reach SuperViz? Its ref is in the channel's history (the last 250
   * events) when it did. Not there: surely not sent when the history holds fewer than 250 events
   * (nothing has scrolled out) or its oldest event is over a minute older than the attempt
   * (SuperViz timestamps are UTC milliseconds); otherwise it may have scrolled out: cannot tell.
   */
  async confirm(conversation: Conversation, _message: OutgoingMessage, since: string, interrupted?: InterruptedSend): Promise<SendResult | null> {
    const ref = interrupted?.attempt?.ref;
    if (!ref) throw new Error('the send recorded no ref to look for (claimed before migration 005)');
    const { events } = await this.history(channelOf(conversation));
    const mine = (data: unknown) => typeof data === 'object' && data !== null && (data as Record<string, unknown>).ref === ref;
    if (events.some((e) => e.name === this.messageEvent && mine(e.data))) return { externalId: `out:${ref}` };
    if (events.length < HISTORY_SIZE) return null;
    if (Math.min(...events.map((e) => e.timestamp)) < Date.parse(since) - 60_000) return null;
    throw new Error(`the channel's last ${HISTORY_SIZE} events do not reach back to the send, so its history cannot show whether it arrived`);
  }

  /** The channel's last 250 events, oldest or newest first as SuperViz returns them. */
  async history(channel: string): Promise<ChannelHistory> {
    const { body } = await requestJson(this.channelUrl(channel), {
      method: 'GET',
      headers: this.headers(),
      what: 'SuperViz channel history',
      timeoutMs: this.timeoutMs,
    });
    const parsed = ChannelHistory.safeParse(body);
    if (!parsed.success) throw new ProviderSendError(`SuperViz channel history: unexpected answer (${parsed.error.issues[0]?.message})`, false);
    return parsed.data;
  }
}

import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { Conversation, OutgoingMessage } from '../../model';
import { requestJson } from '../http-client';
import type { ProviderClient, SendResult } from '../types';
import { ProviderSendError } from '../../model/errors';
import { OWN_SOURCE } from './normalize';
import { ChannelHistory } from './schema';

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
  async send(conversation: Conversation, message: OutgoingMessage): Promise<SendResult> {
    const channel = typeof conversation.address.channel === 'string' ? conversation.address.channel : conversation.externalId;
    const ref = randomUUID();
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

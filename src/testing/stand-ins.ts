import { z } from 'zod';
import { type Button, type Conversation, type Media, NormalizedEvent } from '../model';
import { PROVIDERS } from '../providers';
import type { ProviderAdapter, ProviderRuntime } from '../providers/types';

/**
 * The test kit's stand-in providers: adapters that take conversation-model events instead of
 * webhooks and record what the bots send instead of calling an API, with the capabilities of the
 * real providers by default.
 */

export interface KitProvider {
  /** Can the provider send? false = receive-only (ctx.reply throws ReceiveOnlyError unless replyVia). */
  reply: boolean;
  maxTextLength?: number;
  /** Shows buttons (Telegram); without, buttons go out numbered in the text. */
  buttons?: boolean;
  /** Shows "typing…" (Telegram): ctx.typing() is recorded in kit.typing, else it is a no-op. */
  typing?: boolean;
}

/** What the real providers can do, from their adapters (WAMM 4,500 characters, Webinato receive-only…); override per test with `providers`. */
export const PROVIDER_DEFAULTS: Record<string, KitProvider> = Object.fromEntries(
  PROVIDERS.map((p) => [
    p.name,
    {
      reply: p.capabilities.reply,
      ...(p.maxTextLength ? { maxTextLength: p.maxTextLength } : {}),
      ...(p.capabilities.buttons ? { buttons: true } : {}),
      ...(p.capabilities.typing ? { typing: true } : {}),
    },
  ]),
);

/** One message a bot sent, as the provider's API would have received it. */
export interface Sent {
  provider: string;
  conversation: string;
  text?: string;
  media?: Media;
  replyTo?: string;
  /** The buttons under it, on a provider that shows them (on the others they are numbered in `text`). */
  buttons?: Button[][];
}

/** What the stand-ins record, shared with the kit. */
export interface StandInRecord {
  sent: Sent[];
  ids: WeakMap<Sent, string>;
  acknowledged: string[];
  typing: { provider: string; conversation: string }[];
  ingestOf: Map<string, ProviderRuntime['ingest']>;
  /** The provider ids given to sent messages, counting up per kit. */
  outSeq: { n: number };
}

export const Events = z.array(NormalizedEvent);

export function standIn(name: string, p: KitProvider, rec: StandInRecord): ProviderAdapter {
  const { sent, ids, acknowledged, typing, ingestOf, outSeq } = rec;
  return {
    name,
    title: `${name} (test kit)`,
    enableVariable: 'none',
    capabilities: { receive: true, reply: p.reply, poll: false, buttons: !!p.buttons, typing: !!p.typing },
    maxTextLength: p.maxTextLength,
    enabled: () => true,
    webhookSecret: () => undefined,
    parse: () => ({ ok: false, error: 'the test kit takes messages through kit.receive()' }),
    normalize: (payload) => Events.parse(payload),
    createClient: () =>
      p.reply
        ? {
            async send(conversation, message) {
              const press = message.route?.callbackQueryId;
              if (typeof press === 'string') acknowledged.push(press);
              if (message.text === undefined && !message.media) return {};
              const externalId = `${conversation.externalId}:${++outSeq.n}`;
              const s: Sent = { provider: name, conversation: conversation.externalId };
              if (message.text !== undefined) s.text = message.text;
              if (message.media) s.media = message.media;
              if (message.replyToExternalId) s.replyTo = message.replyToExternalId;
              if (message.buttons) s.buttons = message.buttons;
              ids.set(s, externalId);
              sent.push(s);
              return { externalId };
            },
            ...(p.typing
              ? {
                  async typing(conversation: Conversation) {
                    typing.push({ provider: name, conversation: conversation.externalId });
                  },
                }
              : {}),
          }
        : undefined,
    start: (rt) => {
      ingestOf.set(name, rt.ingest);
    },
  };
}

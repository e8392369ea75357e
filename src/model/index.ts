import { z } from 'zod';

/**
 * The conversation model every provider is normalized into. Types come from these schemas; the
 * store, the bots and the admin API see only these shapes, never a provider payload.
 */

export const Role = z.enum(['attendee', 'presenter', 'organizer', 'user', 'operator', 'bot']);
export type Role = z.infer<typeof Role>;

export const MessageKind = z.enum(['text', 'image', 'audio', 'video', 'file', 'location', 'sticker', 'call', 'event']);
export type MessageKind = z.infer<typeof MessageKind>;

export const Direction = z.enum(['inbound', 'outbound']);
export type Direction = z.infer<typeof Direction>;

/** Delivery status of a message, normalized across providers (the provider's own word is kept in `rawStatus`). */
export const MessageStatus = z.enum(['received', 'pending', 'sent', 'delivered', 'read', 'failed', 'deleted']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const Presence = z.enum(['online', 'offline', 'away', 'busy']);
export type Presence = z.infer<typeof Presence>;

export const Media = z.object({
  url: z.string().optional(),
  mimeType: z.string().optional(),
  fileName: z.string().optional(),
  caption: z.string().optional(),
});
export type Media = z.infer<typeof Media>;

/** A reference to a conversation by its provider's own id, usable before it is stored. */
export const ConversationRef = z.object({
  provider: z.string(),
  externalId: z.string(),
});
export type ConversationRef = z.infer<typeof ConversationRef>;

export const ParticipantRef = z.object({
  externalId: z.string(),
  name: z.string().optional(),
  role: Role,
});
export type ParticipantRef = z.infer<typeof ParticipantRef>;

/** What normalize() says about a conversation: its id, and what it knows of its title. */
export const ConversationInfo = ConversationRef.extend({
  title: z.string().optional(),
  /** Provider-specific routing data the client needs to reply (e.g. WAMM account + phone). */
  address: z.record(z.string(), z.unknown()).optional(),
});
export type ConversationInfo = z.infer<typeof ConversationInfo>;

const orderKey = z.number().describe('the provider order within the conversation (msg_id, msgID, update_id, time)');

export const MessageEvent = z.object({
  type: z.literal('message'),
  conversation: ConversationInfo,
  /** Unique per provider: the dedupe key for the message itself. */
  externalId: z.string(),
  direction: Direction,
  author: ParticipantRef,
  kind: MessageKind,
  text: z.string().optional(),
  media: Media.optional(),
  sentAt: z.string(),
  status: MessageStatus,
  rawStatus: z.string().optional(),
  replyToExternalId: z.string().optional(),
  orderKey,
  /** Outbound messages and messages that must not reach bots (our own echoes) say so here. */
  dispatch: z.boolean(),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type MessageEvent = z.infer<typeof MessageEvent>;

export const StatusEvent = z.object({
  type: z.literal('status'),
  provider: z.string(),
  messageExternalId: z.string(),
  status: MessageStatus,
  rawStatus: z.string().optional(),
  at: z.string(),
  /** Dedupe key of this status change within the provider. */
  externalId: z.string(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

export const PresenceEvent = z.object({
  type: z.literal('presence'),
  provider: z.string(),
  /** undefined participant = everyone on this provider (MQTT CHAT's reset with userid 0). */
  participant: ParticipantRef.optional(),
  presence: Presence,
  at: z.string(),
  externalId: z.string(),
});
export type PresenceEvent = z.infer<typeof PresenceEvent>;

export const SessionEvent = z.object({
  type: z.literal('session'),
  conversation: ConversationInfo,
  /** e.g. session.started, session.ended, registrant.created */
  name: z.string(),
  participant: ParticipantRef.optional(),
  at: z.string(),
  externalId: z.string(),
  orderKey,
  data: z.record(z.string(), z.unknown()).optional(),
});
export type SessionEvent = z.infer<typeof SessionEvent>;

/**
 * A message's text changed (Telegram's edited_message). The stored message takes the new text and
 * keeps the ones before in `meta.history`; bots see an `edited` event.
 */
export const EditEvent = z.object({
  type: z.literal('edit'),
  provider: z.string(),
  messageExternalId: z.string(),
  text: z.string().optional(),
  at: z.string(),
  /** Dedupe key of this edit within the provider. */
  externalId: z.string(),
  /** False for edits bots must not see (our own messages, an operator's). */
  dispatch: z.boolean(),
});
export type EditEvent = z.infer<typeof EditEvent>;

/**
 * A provider sequence number seen (Webinato batchNo per room, Telegram update_id). The store keeps
 * the high-water mark per scope and records skipped numbers as gaps; a late arrival fills its gap.
 */
export const SequenceEvent = z.object({
  type: z.literal('sequence'),
  provider: z.string(),
  scope: z.string(),
  sequence: z.number().int(),
});
export type SequenceEvent = z.infer<typeof SequenceEvent>;

export const NormalizedEvent = z.discriminatedUnion('type', [MessageEvent, StatusEvent, PresenceEvent, SessionEvent, SequenceEvent, EditEvent]);
export type NormalizedEvent = z.infer<typeof NormalizedEvent>;

/** Stored shapes, as the admin API and bots see them. */
export interface Conversation {
  id: number;
  provider: string;
  externalId: string;
  title: string | null;
  status: 'open' | 'handoff';
  address: Record<string, unknown>;
  lastMessageAt: string | null;
  createdAt: string;
}

export interface Participant {
  id: number;
  provider: string;
  externalId: string;
  name: string | null;
  role: Role;
  presence: Presence | null;
  presenceAt: string | null;
}

export interface Message {
  id: number;
  conversationId: number;
  externalId: string | null;
  direction: Direction;
  author: { id: string; name: string | null; role: Role };
  kind: MessageKind;
  text: string | null;
  media: Media | null;
  sentAt: string;
  status: MessageStatus;
  rawStatus: string | null;
  orderKey: number;
  /** The provider id of the message this one answers (a quote or reply), when there is one. */
  replyToExternalId: string | null;
  meta: Record<string, unknown> | null;
}

/** A button under a reply: its label, and the action a press runs (the bot's onAction). */
export const Button = z.object({ text: z.string(), action: z.string() });
export type Button = z.infer<typeof Button>;

/** What a bot (or the pipeline) asks to send. */
export const OutgoingMessage = z.object({
  text: z.string().optional(),
  media: Media.optional(),
  replyToExternalId: z.string().optional(),
  /**
   * Where in the conversation a reply goes, as the provider named it on the message answered
   * (`meta.replyRoute`, e.g. Telegram's forum topic and business connection); the bot runtime
   * copies it onto replies.
   */
  route: z.record(z.string(), z.unknown()).optional(),
  /** Rows of buttons, on providers that show them (Telegram); the others get them numbered in the text. */
  buttons: z.array(z.array(Button)).optional(),
});
export type OutgoingMessage = z.infer<typeof OutgoingMessage>;

export type { DispatchEvent } from './bot-event';

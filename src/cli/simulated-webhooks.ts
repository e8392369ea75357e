import type { Config } from '../config/env';
import { UsageError } from './types';
import { utcToZoned } from '../model/time';

/**
 * The webhook each provider would send for one chat message, for `npm run cli -- simulate`:
 * payloads follow PROVIDERS.md and the seeds; ids come from the clock so repeated runs are new
 * messages, not retries.
 */

export interface Flags {
  url: string;
  from?: string;
  name?: string;
  chat?: string;
  replyTo?: string;
  secret?: string;
  /** How long to wait for the bots' replies (ms), read back through the admin API. */
  waitMs: number;
}

export interface Webhook {
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** What the server will call the conversation, for the summary line. */
  conversation: string;
}

export interface Simulator {
  secretVariable: keyof Config;
  flags: string;
  build(text: string, f: Flags, config: Config): Webhook;
}

/** Increasing across runs (a new message each time) and inside a JS safe integer. */
const clockId = () => Date.now() - 1_700_000_000_000;
const unixSeconds = () => Math.floor(Date.now() / 1000);

const json = (v: unknown) => JSON.stringify(v);

export const SIMULATORS: Record<string, Simulator> = {
  wamm: {
    secretVariable: 'WAMM_WEBHOOK_SECRET',
    flags: '[--from <phone>] [--name <chat name>] [--chat <account phone>] [--reply-to <msg_id>]',
    build(text, f, config) {
      const account = f.chat ?? '79990000000';
      const phone = f.from ?? '79001234567';
      const msg_data = {
        msg_id: clockId(),
        qoute_msg_id: f.replyTo ? Number(f.replyTo) : null,
        from_api: 0,
        from_me: 0,
        phone_acc: account,
        phone,
        chat_name: f.name ?? 'Simulated Customer',
        tip_msg: 'textMessage',
        msg_text: text,
        msg_link: null,
        date_ins: utcToZoned(Date.now(), config.WAMM_TIMEZONE ?? 'UTC'), // WAMM's zone-less date_ins, in WAMM_TIMEZONE
        state: 'received',
        senderId: null,
        senderName: null,
      };
      return { body: json({ tip: 'msg', msg_data }), contentType: 'application/json', conversation: `${account}:${phone}` };
    },
  },
  telegram: {
    secretVariable: 'TELEGRAM_WEBHOOK_SECRET',
    flags: '[--from <user id>] [--name <first name>] [--chat <chat id, default = --from>] [--reply-to <message_id>]',
    build(text, f, config) {
      const userId = Number(f.from ?? 10001);
      const chatId = Number(f.chat ?? userId);
      if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(chatId)) throw new UsageError('--from and --chat are numeric Telegram ids');
      const first_name = f.name ?? 'Simulated';
      const chat = chatId < 0 ? { id: chatId, type: 'supergroup', title: 'Simulated group' } : { id: chatId, type: 'private', first_name };
      const id = clockId();
      const message = {
        message_id: id,
        date: unixSeconds(),
        chat,
        from: { id: userId, is_bot: false, first_name, language_code: 'en' },
        text,
        ...(f.replyTo ? { reply_to_message: { message_id: Number(f.replyTo), date: unixSeconds(), chat } } : {}),
      };
      return {
        body: json({ update_id: id, message }),
        contentType: 'application/json',
        headers: { 'X-Telegram-Bot-Api-Secret-Token': config.TELEGRAM_WEBHOOK_SECRET ?? f.secret ?? '' },
        conversation: String(chatId),
      };
    },
  },
  webinato: {
    secretVariable: 'WEBINATO_WEBHOOK_SECRET',
    flags: '[--from <author name>] [--chat <roomID>] [--role attendee|presenter|organizer]',
    build(text, f) {
      const roomID = f.chat ?? 'demo-room';
      const msgs = [{ authorName: f.from ?? f.name ?? 'Simulated Attendee', authorRole: 1, ts: unixSeconds(), msgID: clockId(), text }];
      // A fresh batch 1 each time: the simulator cannot know the room's batch count, and 1 never looks like a gap.
      const form = new URLSearchParams({ inquiry: 'realTimeChat', sender: 'Webinato', roomID, batchNo: '1', msgsJSON: json(msgs) });
      return { body: form.toString(), contentType: 'application/x-www-form-urlencoded', conversation: roomID };
    },
  },
  mqttchat: {
    secretVariable: 'MQTTCHAT_WEBHOOK_SECRET',
    flags: '[--from <userid>] [--chat <to userid>]',
    build(text, f) {
      const from = f.from ?? '1001';
      const to = f.chat ?? '1002';
      const body = {
        from_userid: Number(from) || from,
        to_userid: Number(to) || to,
        message: { id: clockId(), message: text, timestamp: unixSeconds(), type: 0 },
      };
      return { body: json(body), contentType: 'application/json', conversation: `${from}↔${to}` };
    },
  },
  superviz: {
    secretVariable: 'SUPERVIZ_WEBHOOK_SECRET',
    flags: '[--from <participant id>] [--name <participant name>] [--chat <channel>]',
    build(text, f, config) {
      const channel = f.chat ?? 'demo-channel';
      // [GUESS] data is our own convention with the web client (CONTRACT.md): data.text the chat text, data.name the sender.
      const event = {
        apiKey: 'simulator',
        channel,
        event: config.SUPERVIZ_MESSAGE_EVENT,
        date: new Date().toISOString(),
        presenceId: f.from ?? 'participant-1',
        socketId: null,
        data: { text, name: f.name ?? 'Simulated Participant' },
      };
      const header = config.SUPERVIZ_WEBHOOK_HEADER;
      return {
        body: json(event),
        contentType: 'application/json',
        headers: header ? { [header]: config.SUPERVIZ_WEBHOOK_SECRET ?? f.secret ?? '' } : undefined,
        conversation: channel,
      };
    },
  },
};

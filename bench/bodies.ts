/**
 * The webhook bodies the load generator sends: one unique update per request (a fresh update_id /
 * msg_id), spread round-robin over `chats` conversations. The text carries the send time in µs on
 * the shared monotonic clock (stats.ts), so the echo that comes back at the fake provider says how
 * long the whole trip took without any shared state between the processes.
 */
export type BodyKind = 'telegram' | 'wamm';

export const BENCH_TEXT = /^bench (\d+) (\d+)$/;

export function benchText(seq: number, sentUs: number): string {
  return `bench ${seq} ${sentUs}`;
}

export function bodyFor(kind: BodyKind, seq: number, chat: number, sentUs: number): string {
  const text = benchText(seq, sentUs);
  if (kind === 'telegram') {
    // A private-chat text message as the Bot API delivers it (update_id and message_id unique).
    return JSON.stringify({
      update_id: seq,
      message: {
        message_id: seq,
        from: { id: chat, is_bot: false, first_name: 'Bench', language_code: 'en' },
        chat: { id: chat, first_name: 'Bench', type: 'private' },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    });
  }
  return JSON.stringify({
    tip: 'msg',
    msg_data: {
      msg_id: seq,
      qoute_msg_id: null,
      from_api: 0,
      from_me: 0,
      phone_acc: '79990000000',
      phone: String(79_000_000_000 + chat),
      chat_name: 'Bench',
      tip_msg: 'textMessage',
      msg_text: text,
      msg_link: null,
      date_ins: '2026-11-21 07:00:00',
      state: 'received',
      senderId: null,
      senderName: null,
    },
  });
}

/** Errors a send can end in, shared by the providers' clients, the outbox and bots (thrown by ctx.reply). */

/** Thrown by a client; tells the outbox whether to retry. */
export class ProviderSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
    /** The user blocked the bot: nothing more is sent there until they write again. */
    readonly blocked = false,
  ) {
    super(message);
    this.name = 'ProviderSendError';
  }
}

/** A reply asked of a provider that cannot reply (Webinato, MQTT CHAT, RingCentral Webinar). */
export class ReceiveOnlyError extends Error {
  /** `reason` when the provider could send but is not set up to (e.g. its API credentials are missing). */
  constructor(
    readonly provider: string,
    readonly reason?: string,
  ) {
    super(
      `${provider} ${reason ? `cannot send: ${reason}` : 'is receive-only: it has no API to send messages'}. Route replies to another conversation (replyVia in config/bots.json) or use ctx.send().`,
    );
    this.name = 'ReceiveOnlyError';
  }
}

/** Why a reply to a user who blocked the bot was dead-lettered unsent. */
export const BLOCKED_BY_USER = 'blocked by the user: no reply is sent until they write again';

import { SDK } from '@ringcentral/sdk';
import { z } from 'zod';
import type { Config } from '../../config/env';
import { WEBINAR_EVENT_FILTERS } from './schema';

/**
 * Webinar webhook subscriptions (PROVIDERS.md §5): the webinar service has its own subscription
 * API at /webinar/notifications/v1/subscriptions, separate from /restapi/v1.0/subscription.
 * Used by `npm run cli -- ringcentral …`; the server itself never calls RingCentral.
 */

const PATH = '/webinar/notifications/v1/subscriptions';
/** The longest WebHook subscription RingCentral allows: 10 years (CreateWebhookSubscriptionRequest). */
export const MAX_EXPIRES_IN = 315_360_000;

export const SubscriptionInfo = z.looseObject({
  id: z.string(),
  eventFilters: z.array(z.string()).default([]),
  expirationTime: z.string().optional(),
  expiresIn: z.number().optional(),
  status: z.string().optional(),
  creationTime: z.string().optional(),
  deliveryMode: z.looseObject({ transportType: z.string().optional(), address: z.string().optional() }).optional(),
  blacklistedData: z.looseObject({ reason: z.string().optional(), blacklistedAt: z.string().optional() }).optional(),
});
export type SubscriptionInfo = z.infer<typeof SubscriptionInfo>;

export function eventFilters(webinarId?: string): string[] {
  return WEBINAR_EVENT_FILTERS.map((f) => (webinarId ? `${f}?webinarId=${encodeURIComponent(webinarId)}` : f));
}

/** Where RingCentral must post: PUBLIC_URL/webhooks/ringcentral/<RINGCENTRAL_WEBHOOK_SECRET>. */
export function webhookAddress(config: Config): string {
  if (!config.PUBLIC_URL) throw new Error('PUBLIC_URL is not set: RingCentral needs the public https address of this server');
  if (!config.RINGCENTRAL_WEBHOOK_SECRET) throw new Error('RINGCENTRAL_WEBHOOK_SECRET is not set: it is the secret path segment RingCentral posts to');
  return `${config.PUBLIC_URL}/webhooks/ringcentral/${config.RINGCENTRAL_WEBHOOK_SECRET}`;
}

/** The address with its secret path segment masked, for printing. */
export const maskAddress = (address: string | undefined) => (address ?? '').replace(/(\/webhooks\/ringcentral\/)[^/?#]+/, '$1<secret>');

export class WebinarSubscriptions {
  private constructor(
    private readonly sdk: SDK,
    private readonly config: Config,
  ) {}

  /** JWT grant (PROVIDERS.md §5): client id/secret as Basic auth, the JWT as assertion. */
  static async login(config: Config): Promise<WebinarSubscriptions> {
    const missing = (['RINGCENTRAL_CLIENT_ID', 'RINGCENTRAL_CLIENT_SECRET', 'RINGCENTRAL_JWT'] as const).filter((k) => !config[k]);
    if (missing.length) throw new Error(`${missing.join(', ')} not set: create a JWT app with ReadWebinars/EditWebinars permissions and set them`);
    const sdk = new SDK({ server: config.RINGCENTRAL_SERVER_URL, clientId: config.RINGCENTRAL_CLIENT_ID, clientSecret: config.RINGCENTRAL_CLIENT_SECRET });
    await sdk.platform().login({ jwt: config.RINGCENTRAL_JWT });
    return new WebinarSubscriptions(sdk, config);
  }

  async list(): Promise<SubscriptionInfo[]> {
    const body = (await (await this.sdk.platform().get(PATH)).json()) as unknown;
    // [GUESS] list answers {records: […]} like other RingCentral collections; a bare array is accepted too.
    const records = Array.isArray(body) ? body : ((body as { records?: unknown[] })?.records ?? []);
    return records.map((r) => SubscriptionInfo.parse(r));
  }

  /** Subscriptions that post to this server (same address, secret included). */
  async ours(): Promise<SubscriptionInfo[]> {
    const address = webhookAddress(this.config);
    return (await this.list()).filter((s) => s.deliveryMode?.address === address);
  }

  async create(opts: { webinarId?: string; expiresIn?: number; eventFilters?: string[] } = {}): Promise<SubscriptionInfo> {
    const deliveryMode: Record<string, string> = { transportType: 'WebHook', address: webhookAddress(this.config) };
    if (this.config.RINGCENTRAL_VERIFICATION_TOKEN) deliveryMode.verificationToken = this.config.RINGCENTRAL_VERIFICATION_TOKEN;
    const body = {
      eventFilters: opts.eventFilters ?? eventFilters(opts.webinarId),
      deliveryMode,
      expiresIn: Math.min(MAX_EXPIRES_IN, opts.expiresIn ?? MAX_EXPIRES_IN),
    };
    return SubscriptionInfo.parse(await (await this.sdk.platform().post(PATH, body)).json());
  }

  async renew(id: string): Promise<SubscriptionInfo> {
    return SubscriptionInfo.parse(await (await this.sdk.platform().post(`${PATH}/${encodeURIComponent(id)}/renew`)).json());
  }

  async delete(id: string): Promise<void> {
    await this.sdk.platform().delete(`${PATH}/${encodeURIComponent(id)}`);
  }

  /** A blacklisted subscription never recovers reliably (troubleshooting.md): delete it, create it again. */
  async recreate(s: SubscriptionInfo): Promise<SubscriptionInfo> {
    await this.delete(s.id);
    return this.create({ eventFilters: s.eventFilters.length ? s.eventFilters : undefined });
  }
}

export const expiresWithin = (s: SubscriptionInfo, days: number, now = Date.now()) =>
  s.expirationTime !== undefined && Date.parse(s.expirationTime) - now <= days * 86_400_000;

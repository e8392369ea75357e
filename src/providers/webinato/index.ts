import { decodeForm, identity, parseLenient } from '../decode';
import type { Delivery, ProviderAdapter } from '../types';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { WebinatoBatchId, WebinatoForm } from './schema';

/**
 * Webinato RealTimeChat (PROVIDERS.md §1): receive-only. Chat arrives in form-encoded batches per
 * room every 60-180 s; there is no API to post chat or read history, so no client and no poller.
 */
export const webinato: ProviderAdapter = {
  name: PROVIDER,
  title: 'Webinato',
  enableVariable: 'WEBINATO_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: false, poll: false },
  webhookSecret: (c) => c.WEBINATO_WEBHOOK_SECRET,
  // No signature exists (sender=Webinato is a constant): the secret path is the check.
  parse: (req) => {
    const form = decodeForm(req.rawBody);
    if (!form.ok) return form;
    // Stored as received (strings), so normalize reads exactly what Webinato sent; a form our schema
    // cannot read is stored too when it names its room and batch (quarantined by normalize).
    const toDelivery = (v: { roomID: string; batchNo: number }): Delivery[] => {
      const { inquiry, sender, msgsJSON } = form.value as Record<string, string>;
      const payload = { inquiry, sender, roomID: v.roomID, batchNo: String(v.batchNo), msgsJSON };
      return [{ key: deliveryKey(v.roomID, v.batchNo, msgsJSON ?? ''), payload }];
    };
    return parseLenient(form.value, WebinatoForm, toDelivery, (raw) => identity(WebinatoBatchId, raw, toDelivery));
  },
  normalize,
};

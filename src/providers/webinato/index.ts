import { decodeForm, validate } from '../decode';
import type { ProviderAdapter } from '../types';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { WebinatoForm } from './schema';

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
    const v = validate(WebinatoForm, form.value);
    if (!v.ok) return v;
    const { inquiry, sender, msgsJSON } = form.value as Record<string, string>;
    // Stored as received (strings), so normalize reads exactly what Webinato sent.
    const payload = { inquiry, sender, roomID: v.value.roomID, batchNo: String(v.value.batchNo), msgsJSON };
    return { ok: true, deliveries: [{ key: deliveryKey(v.value.roomID, v.value.batchNo, msgsJSON!), payload }] };
  },
  normalize,
};

import express from 'express';

/**
 * (a) The ceiling for an Express receiver: the same POST, parsed by express.json(), answered 200.
 * No secret check, no validation, no storage.
 */
const app = express();
app.disable('x-powered-by');
app.post('/webhooks/:provider/:secret', express.json({ limit: '4mb' }), (req, res) => {
  res.status(200).json({ ok: true, update: (req.body as { update_id?: number }).update_id ?? null });
});
app.listen(Number(process.env.PORT), '127.0.0.1');

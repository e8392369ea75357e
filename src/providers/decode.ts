import type { z } from 'zod';
import { describeZodError } from '../base/zod';
import type { Delivery, ParseOutcome, WebhookRequest } from './types';

/** Body decoding shared by the provider adapters: strict UTF-8, JSON or form, zod errors named by path. */

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export function decodeText(raw: Buffer): Decoded<string> {
  try {
    return { ok: true, value: utf8.decode(raw) };
  } catch {
    return { ok: false, error: 'body is not valid UTF-8' };
  }
}

/** Deeper than any provider sends; JSON.parse copes, but storing it (JSON.stringify) would overflow the stack. */
const MAX_JSON_DEPTH = 64;

/** Deepest bracket nesting of a JSON text, ignoring brackets inside strings; stops counting past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return 0;
}

export function decodeJson(raw: Buffer): Decoded<unknown> {
  const text = decodeText(raw);
  if (!text.ok) return text;
  if (text.value.trim() === '') return { ok: false, error: 'body is empty; expected JSON' };
  if (jsonDepth(text.value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { ok: false, error: `body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text.value) };
  } catch (e) {
    return { ok: false, error: `body is not valid JSON (${(e as Error).message})` };
  }
}

export function decodeForm(raw: Buffer): Decoded<Record<string, string>> {
  const text = decodeText(raw);
  if (!text.ok) return text;
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text.value)) out[k] = v;
  return { ok: true, value: out };
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): Decoded<z.output<S>> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: describeZodError(r.error) };
}

/** JSON body → schema → deliveries, the common case. */
export function parseJsonBody<S extends z.ZodType>(req: WebhookRequest, schema: S, toDeliveries: (v: z.output<S>) => ParseOutcome): ParseOutcome {
  const json = decodeJson(req.rawBody);
  if (!json.ok) return json;
  const v = validate(schema, json.value);
  if (!v.ok) return v;
  return toDeliveries(v.value);
}

/**
 * Lenient at the door (issue 16): a body the full schema reads becomes its deliveries as before;
 * one it does not is still stored when `identify` finds the provider's id of the delivery in it,
 * raw, for normalize to quarantine with the reason and a later release to replay. Only a body that
 * does not decode or carries no id is refused.
 */
export function parseLenient<S extends z.ZodType>(
  json: unknown,
  schema: S,
  toDeliveries: (v: z.output<S>) => Delivery[],
  identify: (raw: unknown) => Decoded<Delivery[]>,
): ParseOutcome {
  const v = validate(schema, json);
  if (v.ok) return { ok: true, deliveries: toDeliveries(v.value) };
  const id = identify(json);
  return id.ok ? { ok: true, deliveries: id.value } : { ok: false, error: `${id.error} (${v.error})` };
}

/** The JSON-body form of parseLenient, the common case. */
export function parseJsonLenient<S extends z.ZodType>(
  req: WebhookRequest,
  schema: S,
  toDeliveries: (v: z.output<S>) => Delivery[],
  identify: (raw: unknown) => Decoded<Delivery[]>,
): ParseOutcome {
  const json = decodeJson(req.rawBody);
  if (!json.ok) return json;
  return parseLenient(json.value, schema, toDeliveries, identify);
}

/** A zod schema of just the delivery id, as identify's reader: the value, or the error naming the path. */
export function identity<S extends z.ZodType>(schema: S, raw: unknown, toDeliveries: (v: z.output<S>) => Delivery[]): Decoded<Delivery[]> {
  const v = validate(schema, raw);
  return v.ok ? { ok: true, value: toDeliveries(v.value) } : { ok: false, error: `no delivery id: ${v.error}` };
}

export function header(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

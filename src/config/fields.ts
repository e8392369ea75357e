import { z } from 'zod';

/** The kinds of environment values, shared by the core's variables (env.ts) and each provider's (src/providers/<name>/env.ts). */

export const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `expected an http(s) URL for ${what}, e.g. https://example.com`)
    .transform((v) => v.replace(/\/+$/, ''));

export const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

export const optionalUrl = (what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(url(what).optional());

export const positiveInt = (def: number, what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) > 0, `expected a positive whole number (${what})`)
    .transform(Number);

/** Like positiveInt, but 0 is allowed and means "off". */
export const intervalOrOff = (def: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+$/.test(v), 'expected a whole number of milliseconds (0 turns it off)')
    .transform(Number);

export const timezone = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .refine((v) => {
    if (v === undefined) return true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Europe/Moscow');

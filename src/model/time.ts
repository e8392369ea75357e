/** Time helpers: everything is stored as ISO 8601 UTC. */

export const fromUnixSeconds = (s: number): string => new Date(s * 1000).toISOString();

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A full ISO 8601 date-time with a zone ("2024-05-17T20:56:59.006Z"); Date.parse alone accepts "1". */
export const isIsoTime = (v: string): boolean => ISO_TIME.test(v) && !Number.isNaN(Date.parse(v));

/** The wall-clock fields of an instant in an IANA zone. */
function wallClockParts(utcMs: number, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') };
}

function offsetMs(utcMs: number, timeZone: string): number {
  const w = wallClockParts(utcMs, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(utcMs / 1000) * 1000;
}

/** An instant as a zone-less local time in an IANA zone, "2023-05-24 12:35:29" (WAMM's date_ins); zonedToUtc's inverse. */
export function utcToZoned(utcMs: number, timeZone: string): string {
  const w = wallClockParts(utcMs, timeZone);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * A zone-less local time ("2023-05-24 12:35:29", WAMM's date_ins) in an IANA zone → ISO UTC.
 * Returns undefined when the text is not such a time.
 */
export function zonedToUtc(naive: string, timeZone: string): string | undefined {
  const m = NAIVE.exec(naive.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (Number.isNaN(asUtc)) return undefined;
  let t = asUtc - offsetMs(asUtc, timeZone);
  const again = asUtc - offsetMs(t, timeZone); // across a DST change the first guess is an hour off
  if (again !== t) t = again;
  return new Date(t).toISOString();
}

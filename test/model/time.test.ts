import { describe, expect, it } from 'vitest';
import { fromUnixSeconds, utcToZoned, zonedToUtc } from '../../src/model/time';

describe('time', () => {
  it('converts a zone-less local time in an IANA zone to UTC', () => {
    expect(zonedToUtc('2023-05-24 12:35:29', 'Europe/Moscow')).toBe('2023-05-24T09:35:29.000Z');
    expect(zonedToUtc('2023-05-24 12:35:29', 'UTC')).toBe('2023-05-24T12:35:29.000Z');
    expect(zonedToUtc('2023-01-15 08:00:00', 'America/New_York')).toBe('2023-01-15T13:00:00.000Z');
  });

  it('handles both sides of a daylight-saving change', () => {
    expect(zonedToUtc('2024-03-31 01:30:00', 'Europe/Berlin')).toBe('2024-03-31T00:30:00.000Z'); // CET
    expect(zonedToUtc('2024-03-31 03:30:00', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z'); // CEST
    expect(zonedToUtc('2024-07-01 12:00:00', 'Europe/Berlin')).toBe('2024-07-01T10:00:00.000Z');
  });

  it('rejects text that is not a WAMM time', () => {
    expect(zonedToUtc('yesterday', 'UTC')).toBeUndefined();
    expect(zonedToUtc('2023-05-24', 'UTC')).toBeUndefined();
  });

  it('reads Unix seconds as UTC', () => {
    expect(fromUnixSeconds(1602511574)).toBe('2020-10-12T14:06:14.000Z');
  });
  it('writes an instant as a zone-less local time, the inverse of reading one', () => {
    expect(utcToZoned(Date.parse('2023-05-24T09:35:29.000Z'), 'Europe/Moscow')).toBe('2023-05-24 12:35:29');
    expect(utcToZoned(Date.parse('2024-01-05T00:05:09.000Z'), 'UTC')).toBe('2024-01-05 00:05:09');
    for (const iso of ['2024-03-31T00:30:00.000Z', '2024-03-31T01:30:00.000Z', '2024-07-01T10:00:00.000Z'])
      expect(zonedToUtc(utcToZoned(Date.parse(iso), 'Europe/Berlin'), 'Europe/Berlin')).toBe(iso);
  });
});

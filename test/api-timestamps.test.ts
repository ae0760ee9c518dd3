import { describe, expect, it } from 'vitest';
import { normalizeFields, normalizeTimestamp, parseTimestampMs, toEpochMicros, toQueryTimestamp } from '../src/api/timestamps.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-06-08T17:12:09Z', '2026-06-08T17:12:09Z'],
    ['2026-06-08T17:12:09.812446Z', '2026-06-08T17:12:09.812446Z'],
    ['2026-06-08T17:12:09.812446+00:00', '2026-06-08T17:12:09.812446Z'],
    ['2026-06-08T17:12:09+00:00', '2026-06-08T17:12:09Z'],
    ['2026-06-08T17:12:09-00:00', '2026-06-08T17:12:09Z'],
    ['2025-03-12T18:22:41.123456', '2025-03-12T18:22:41.123456Z'],
    ['2025-03-12T18:22:41', '2025-03-12T18:22:41Z'],
    ['2026-01-01T00:00:00+02:00', '2025-12-31T22:00:00Z'],
    ['2026-01-01T00:00:00.5+02:00', '2025-12-31T22:00:00.5Z'],
    ['2025-12-31T20:30:00.123456789-05:30', '2026-01-01T02:00:00.123456789Z'],
    ['2026-01-01T00:00:00+0200', '2025-12-31T22:00:00Z'],
    ['2026-01-01T00:00:00+02', '2025-12-31T22:00:00Z'],
    ['2026-01-01 00:00:00z', '2026-01-01T00:00:00Z'],
    ['2024-02-29T23:59:59.000Z', '2024-02-29T23:59:59.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00Z'],
    ['0050-06-01T01:00:00+02:00', '0050-05-31T23:00:00Z'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it('returns the same string instance on the canonical fast path', () => {
    const s = '2026-06-08T17:12:09.812446Z';
    expect(normalizeTimestamp(s)).toBe(s);
  });

  it.each([
    '',
    'yesterday',
    '2024-01-01',
    '2024-01-01T00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:60:00Z',
    '2024-01-01T00:00:60Z',
    '2024-01-01T00:00:00+25:00',
    '2024-01-01T00:00:00.Z',
    ' 2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00Zjunk',
  ])('rejects %j', (input) => {
    expect(() => normalizeTimestamp(input)).toThrow(RangeError);
  });

  it('rejects non-strings', () => {
    expect(() => normalizeTimestamp(42 as unknown as string)).toThrow(RangeError);
  });
});

describe('toEpochMicros', () => {
  it('keeps microseconds and applies offsets', () => {
    expect(toEpochMicros('1970-01-01T00:00:00Z')).toBe(0);
    expect(toEpochMicros('1970-01-01T00:00:01.000001Z')).toBe(1_000_001);
    expect(toEpochMicros('1970-01-01T00:00:00.5Z')).toBe(500_000);
    expect(toEpochMicros('1970-01-01T00:00:00.123456789Z')).toBe(123_456);
    expect(toEpochMicros('2026-06-08T17:12:09.812446+00:00')).toBe(Date.UTC(2026, 5, 8, 17, 12, 9) * 1000 + 812_446);
    expect(toEpochMicros('2026-01-01T00:00:00+02:00')).toBe(Date.UTC(2025, 11, 31, 22) * 1000);
  });

  it('orders like the normalised strings', () => {
    const a = '2026-06-08T17:12:09.812446Z';
    const b = '2026-06-08T17:12:09.812447+00:00';
    expect(toEpochMicros(a)).toBeLessThan(toEpochMicros(b));
  });

  it('throws on garbage', () => {
    expect(() => toEpochMicros('not a time')).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('parseTimestampMs is null for garbage', () => {
    expect(parseTimestampMs('2026-01-01T00:00:00.999Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 0, 999));
    expect(parseTimestampMs('nope')).toBeNull();
    expect(parseTimestampMs(null)).toBeNull();
  });

  it('toQueryTimestamp accepts Dates and strings', () => {
    expect(toQueryTimestamp(new Date(Date.UTC(2026, 2, 1)))).toBe('2026-03-01T00:00:00.000Z');
    expect(toQueryTimestamp('2026-03-01T01:00:00+01:00')).toBe('2026-03-01T00:00:00Z');
    expect(() => toQueryTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('normalizeFields rewrites in place and leaves unparseable values and other fields alone', () => {
    const record = {
      id: 'rbac_role_01',
      created_at: '2025-03-12T18:22:41.123456',
      updated_at: 'garbage',
      deleted_at: null,
      nested: { created_at: '2025-03-12T18:22:41' },
    };
    normalizeFields(record, ['created_at', 'updated_at', 'deleted_at', 'missing']);
    expect(record).toEqual({
      id: 'rbac_role_01',
      created_at: '2025-03-12T18:22:41.123456Z',
      updated_at: 'garbage',
      deleted_at: null,
      nested: { created_at: '2025-03-12T18:22:41' },
    });
  });
});

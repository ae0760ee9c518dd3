// Query-string encoding in the API's conventions: repeated `key[]=` for arrays, dotted time filters
// as-is, timestamps as RFC 3339 UTC with `Z`, undefined parameters omitted (compliance-api.md §1.1).

import { ClientValidationError } from './errors.js';
import { toQueryTimestamp } from './timestamps.js';

/** The parameters exactly as sent, keyed by their wire names (`activity_types[]`, `created_at.gte`). */
export type WireParams = Record<string, string | string[]>;

export type QueryValue = string | number | boolean | Date | readonly (string | number)[] | null | undefined;

/** Our parameter types accept a Date wherever the API takes a timestamp (`*_at.gte` and friends). */
export type WithDates<Q> = {
  [K in keyof Q]: K extends `${string}_at.${'gte' | 'gt' | 'lte' | 'lt'}` ? string | Date : Q[K];
};

const TIME_KEY = /_at\.(gte|gt|lte|lt)$/;

/** Turn typed parameters into wire parameters; throws ClientValidationError for a bad timestamp. */
export function toWireParams(params: object): WireParams {
  const wire: WireParams = {};
  for (const [key, value] of Object.entries(params) as [string, QueryValue][]) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      wire[key.endsWith('[]') ? key : `${key}[]`] = value.map(String);
    } else if (TIME_KEY.test(key)) {
      wire[key] = timestampParam(key, value as string | Date);
    } else if (value instanceof Date) {
      wire[key] = timestampParam(key, value);
    } else {
      wire[key] = String(value);
    }
  }
  return wire;
}

/**
 * `a=1&b[]=x&b[]=y`, without the leading `?`. Brackets, dots and the colons of timestamps stay
 * literal, as the docs show them (all are legal in a query per RFC 3986).
 */
export function encodeWireParams(wire: WireParams): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(wire)) {
    const k = encodeKey(key);
    if (Array.isArray(value)) {
      for (const v of value) parts.push(`${k}=${encodeValue(v)}`);
    } else {
      parts.push(`${k}=${encodeValue(value)}`);
    }
  }
  return parts.join('&');
}

export function encodeQuery(params: object): string {
  return encodeWireParams(toWireParams(params));
}

function encodeValue(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.includes('%3A') ? encoded.replaceAll('%3A', ':') : encoded;
}

function encodeKey(key: string): string {
  return key.endsWith('[]') ? `${encodeURIComponent(key.slice(0, -2))}[]` : encodeURIComponent(key);
}

function timestampParam(key: string, value: string | Date): string {
  if (typeof value !== 'string' && !(value instanceof Date)) {
    throw new ClientValidationError(`${key} must be an RFC 3339 timestamp string or a Date`, key);
  }
  try {
    return toQueryTimestamp(value);
  } catch {
    // The value itself is not echoed: error text never carries caller-supplied strings.
    throw new ClientValidationError(
      `${key} is not a valid RFC 3339 timestamp (expected e.g. 2026-03-01T00:00:00Z)`,
      key,
    );
  }
}

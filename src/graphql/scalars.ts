// The schema's custom scalars. DateTime: RFC 3339 in UTC with microseconds, as the Compliance API and the
// lake keep them (`2026-10-01T12:00:00.123456Z`); inputs may have any offset and up to nine fractional
// digits (kept to the microsecond). Resolvers see an `Instant`, a Date that also carries the microseconds.
// JSON (from graphql-scalars): the type-specific fields of an activity, a group's roles, a stream's cursor.
import { GraphQLError, GraphQLScalarType, Kind } from './graphql-js.js';
import { GraphQLDateTime } from 'graphql-scalars';

export { GraphQLJSON as JsonScalar } from 'graphql-scalars';

/** A Date with microseconds since the epoch (the Date part holds the millisecond, rounded down). */
export class Instant extends Date {
  constructor(readonly micros: bigint) {
    super(Number(floorDiv(micros, 1000n)));
  }

  /** The microseconds of any Date (a plain Date's are its milliseconds × 1000). */
  static microsOf(value: Date): bigint {
    return value instanceof Instant ? value.micros : BigInt(value.getTime()) * 1000n;
  }

  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` of any Date (a plain Date's microseconds are 000). */
  static isoMicros(value: Date): string {
    return (value instanceof Instant ? value : new Instant(Instant.microsOf(value))).toIsoMicros();
  }

  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  toIsoMicros(): string {
    const fraction = String(floorMod(this.micros, 1_000_000n)).padStart(6, '0');
    return `${this.toISOString().slice(0, 19)}.${fraction}Z`;
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  return ((a % b) + b) % b;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time as an Instant, or a GraphQLError saying what is wrong. */
export function parseDateTime(text: string): Instant {
  const m = RFC3339.exec(text);
  if (!m) {
    throw new GraphQLError(`DateTime cannot represent "${text.slice(0, 64)}": expected RFC 3339, e.g. 2026-10-01T12:00:00.123456Z`);
  }
  const digits = (m[2] ?? '').padEnd(9, '0');
  // graphql-scalars validates the calendar (month lengths, leap years, offsets) on the millisecond part
  const ms = GraphQLDateTime.parseValue(`${m[1]}.${digits.slice(0, 3)}${m[3]}`) as Date;
  return new Instant(BigInt(ms.getTime()) * 1000n + BigInt(digits.slice(3, 6)));
}

export const DateTime = new GraphQLScalarType<Instant, string>({
  name: 'DateTime',
  description: 'A moment in time: RFC 3339 in UTC with microseconds (2026-10-01T12:00:00.123456Z). Inputs may use any offset and up to nine fractional digits; digits beyond the microsecond are dropped.',
  serialize(value: unknown): string {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return Instant.isoMicros(value);
    if (typeof value === 'string') return parseDateTime(value).toIsoMicros();
    throw new GraphQLError(`DateTime cannot represent ${typeof value} value`);
  },
  parseValue(value: unknown): Instant {
    if (typeof value !== 'string') throw new GraphQLError(`DateTime cannot represent a non-string value: ${JSON.stringify(value)?.slice(0, 64)}`);
    return parseDateTime(value);
  },
  parseLiteral(ast): Instant {
    if (ast.kind !== Kind.STRING) throw new GraphQLError(`DateTime cannot represent a non-string value`, { nodes: ast });
    return parseDateTime(ast.value);
  },
});

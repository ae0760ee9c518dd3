// What a transport failure means: undici wraps every cause in `TypeError: fetch failed`, so the cause chain is
// read for the system or TLS code, and the failure is named in words a user can act on.

/**
 * `connect` failures happen before any byte reached a server (wrong host, port, scheme or certificate);
 * the others happen on a connection that was made (a reset, a body cut short).
 */
export type ConnectionFailureKind = 'refused' | 'dns' | 'tls' | 'connect-timeout' | 'unreachable' | 'reset' | 'other';

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** No connection was ever established: the request never reached a server. */
  connectPhase: boolean;
  /** The system or TLS code found in the cause chain, e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  code: string | null;
  /** Plain words: "connection refused", "host name not resolved", ... */
  description: string;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const UNREACHABLE_CODES = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
// Node's TLS verification codes (tls.checkServerIdentity, OpenSSL X509_V_ERR_*) and OpenSSL's ERR_SSL_*.
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|^ERR_TLS_|^ERR_SSL_|HOSTNAME_MISMATCH/;

/** The codes along `err`'s cause chain (AggregateError members included: `localhost` tries IPv6 and IPv4). */
function codesOf(err: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  const queue: unknown[] = [err];
  for (let seen = 0; queue.length > 0 && seen < 16; seen++) {
    const e = queue.shift();
    if (!(e instanceof Error)) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    messages.push(e.message);
    if (e.cause !== undefined) queue.push(e.cause);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return { codes, messages };
}

/** Names a transport failure. Never null: an unknown failure is `other`, not in the connect phase. */
export function classifyConnectionFailure(err: unknown): ConnectionFailure {
  const { codes, messages } = codesOf(err);
  const find = (test: (code: string) => boolean) => codes.find(test) ?? null;
  let code = find((c) => c === 'ECONNREFUSED');
  if (code) return { kind: 'refused', connectPhase: true, code, description: 'connection refused (nothing listens on that host and port)' };
  code = find((c) => DNS_CODES.has(c));
  if (code) return { kind: 'dns', connectPhase: true, code, description: `host name not resolved (${code})` };
  code = find((c) => TLS_CODE.test(c));
  if (code) return { kind: 'tls', connectPhase: true, code, description: `TLS/certificate problem (${code})` };
  code = find((c) => c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'ETIMEDOUT');
  if (code) return { kind: 'connect-timeout', connectPhase: true, code, description: 'connection timed out (no answer to the connection attempt)' };
  code = find((c) => UNREACHABLE_CODES.has(c));
  if (code) return { kind: 'unreachable', connectPhase: true, code, description: `network or host unreachable (${code})` };
  code = find((c) => RESET_CODES.has(c));
  if (code || messages.some((m) => /terminated|socket hang up|other side closed/i.test(m))) {
    return { kind: 'reset', connectPhase: false, code, description: 'connection closed by the other side before the response was complete' };
  }
  return { kind: 'other', connectPhase: false, code: codes[0] ?? null, description: 'connection failed' };
}

// What every destination implements: send one frozen alert document, resolve only once the destination has
// accepted it (detections.md §5), throw DeliveryError otherwise. Messages never carry a URL or a secret.
import { deadlineSignal } from '../../api/deadline.js';
import type { AlertDocument } from '../document.js';

export interface Sender {
  /** `body` is the frozen document (JSON); `doc` is the same, parsed. */
  send(doc: AlertDocument, body: string, signal: AbortSignal): Promise<void>;
  /** Releases what the sender holds (connections); optional. */
  close?(): Promise<void>;
}

/** A failed attempt, in words safe to log and store (no URL, no secret, no response body). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/** Describes a network failure or an abort by its code, never by its URL. */
export function networkFailure(err: unknown, timeoutMs: number, what: string): DeliveryError {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return new DeliveryError(`${what} did not answer within ${timeoutMs} ms`);
  if (e?.name === 'AbortError') return new DeliveryError(`${what}: the attempt was cut (shutting down)`);
  const code = e?.code ?? e?.cause?.code;
  return new DeliveryError(`${what}: connection failed${code ? ` (${code})` : ''}`);
}

/** The signal of one attempt: the caller's, cut after `timeoutMs` (a deadline the GC cannot lose: src/api/deadline.ts). */
export function attemptSignal(signal: AbortSignal, timeoutMs: number): AbortSignal {
  return deadlineSignal(signal, timeoutMs);
}

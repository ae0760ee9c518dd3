// Generic webhook (detections.md §5): POST of the alert document, signed with HMAC-SHA256 over
// "<timestamp>.<body>", the alert id as Idempotency-Key. Accepted = any 2xx.
import { createHmac } from 'node:crypto';
import type { WebhookConfig } from '../config.js';
import type { AlertDocument } from '../document.js';
import { attemptSignal, DeliveryError, networkFailure, type Sender } from './sender.js';

export const SIGNATURE_HEADER = 'X-Compliance-Lake-Signature';
export const TIMESTAMP_HEADER = 'X-Compliance-Lake-Timestamp';

/** `sha256=<hex>` of "<timestamp>.<body>": what a receiver recomputes with the shared secret to verify. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookSender(config: WebhookConfig, options: { fetch?: typeof fetch; now?: () => number } = {}): Sender {
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  return {
    async send(doc: AlertDocument, body: string, signal: AbortSignal) {
      const timestamp = String(Math.floor(now() / 1000));
      let res: Response;
      try {
        res = await doFetch(config.url.reveal(), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'compliance-lake',
            'idempotency-key': doc.id,
            [SIGNATURE_HEADER]: signature(config.secret.reveal(), timestamp, body),
            [TIMESTAMP_HEADER]: timestamp,
          },
          body,
          signal: attemptSignal(signal, config.timeoutMs),
        });
        await res.arrayBuffer();
      } catch (err) {
        throw networkFailure(err, config.timeoutMs, 'the webhook');
      }
      if (res.status < 200 || res.status > 299) throw new DeliveryError(`the webhook answered HTTP ${res.status}`);
    },
  };
}

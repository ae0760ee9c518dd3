// Syslog (detections.md §5): RFC 5424 messages over TCP with octet-counting framing (RFC 6587 §3.4.1), one
// connection per alert. Accepted = every byte written and the connection closed cleanly (the receiver read
// to our FIN and closed); a reset before that is a failed attempt, and the retry sends the same frame.
import { connect } from 'node:net';
import { hostname } from 'node:os';
import type { SyslogConfig } from '../config.js';
import type { AlertDocument } from '../document.js';
import { attemptSignal, DeliveryError, networkFailure, type Sender } from './sender.js';

/** The SD-ID of our structured data: a private enterprise number form (RFC 5424 §7.2.2). */
export const SD_ID = 'cl@32473';
/** RFC 5424 §6.2.1 severities: critical -> 2 (crit) ... info -> 6 (informational). */
const SEVERITY: Record<string, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
const BOM = '\uFEFF';

/** RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with '\'. */
function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

function host(): string {
  const h = hostname().replace(/[^\x21-\x7e]/g, '').slice(0, 255);
  return h || '-';
}

/** One RFC 5424 message (without the octet count). Deterministic for a document: a retry sends the same bytes. */
export function syslogMessage(doc: AlertDocument, body: string, config: Pick<SyslogConfig, 'facility' | 'appName'>, hostName = host()): string {
  const pri = config.facility * 8 + (SEVERITY[doc.level] ?? 6);
  const sd = `[${SD_ID} id="${sdValue(doc.id)}" rule="${sdValue(doc.rule.id)}" level="${sdValue(doc.level)}" entity_type="${sdValue(doc.entity.type)}" entity_id="${sdValue(doc.entity.id)}"]`;
  return `<${pri}>1 ${doc.createdAt} ${hostName} ${config.appName} - alert ${sd} ${BOM}${body}`;
}

/** RFC 6587 octet counting: "<length in bytes> <message>". */
export function octetFrame(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}

export function syslogSender(config: SyslogConfig): Sender {
  const what = `syslog ${config.host}:${config.port}`;
  return {
    send(doc: AlertDocument, body: string, outer: AbortSignal) {
      const frame = octetFrame(syslogMessage(doc, body, config));
      const signal = attemptSignal(outer, config.timeoutMs);
      return new Promise<void>((resolve, reject) => {
        let failed = false;
        const socket = connect({ host: config.host, port: config.port });
        const fail = (err: unknown) => {
          if (failed) return;
          failed = true;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          reject(err instanceof DeliveryError ? err : networkFailure(err, config.timeoutMs, what));
        };
        const onAbort = () => fail(signal.reason);
        if (signal.aborted) return fail(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('error', fail);
        socket.once('connect', () => socket.end(frame));
        // The receiver answers our FIN with its own once it has read everything: that is the acceptance.
        let peerEnded = false;
        socket.on('data', () => undefined);
        socket.once('end', () => (peerEnded = true));
        socket.once('close', (hadError) => {
          if (failed) return;
          if (hadError || !peerEnded || socket.bytesWritten < frame.length) return fail(new DeliveryError(`${what}: the receiver reset the connection before it had read the message`));
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
  };
}

// POSTs of `forward`'s request bodies with node:http(s) and a keep-alive agent. fetch copies a Buffer body
// into a fresh ArrayBuffer before sending it (about a fifth of a forward's CPU time, and the new external memory
// brought full garbage collections: BENCHMARKS.md, issue 14 "forward17"); here the body's buffers go to the
// socket as they are, with a Content-Length.
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostAnswer {
  status: number;
  text: string;
}

/** One destination's connections (kept alive between batches); `close` ends them. */
export class Poster {
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https = new HttpsAgent({ keepAlive: true });

  /**
   * Sends `body` (its buffers, in order) and resolves with the answer once the whole body was handed to the
   * socket and the answer read: the buffers may then be reused. Rejects with the network error (an abort of
   * `signal` is an AbortError whose cause is the signal's reason, as with fetch).
   */
  post(url: string, body: readonly Buffer[], headers: Record<string, string>, signal: AbortSignal): Promise<PostAnswer> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    let length = 0;
    for (const b of body) length += b.length;
    return new Promise<PostAnswer>((resolve, reject) => {
      let answer: PostAnswer | null = null;
      let sent = false;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(err);
      };
      const done = () => {
        if (settled || !answer || !sent) return;
        settled = true;
        resolve(answer);
      };
      const req: ClientRequest = (secure ? httpsRequest : httpRequest)(
        target,
        { method: 'POST', headers: { ...headers, 'Content-Length': String(length) }, agent: secure ? this.#https : this.#http, signal },
        (res: IncomingMessage) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('error', fail);
          res.on('aborted', () => fail(Object.assign(new Error('the connection closed during the answer'), { code: 'ECONNRESET' })));
          res.on('end', () => {
            answer = { status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') };
            done();
          });
        },
      );
      req.on('error', fail);
      req.on('finish', () => {
        sent = true;
        done();
      });
      req.on('close', () => {
        // a server may answer (a 401, say) and close before reading the whole body: the answer stands
        if (answer) {
          sent = true;
          done();
        } else fail(Object.assign(new Error('the connection closed before an answer'), { code: 'ECONNRESET' }));
      });
      req.cork();
      for (const b of body) req.write(b);
      req.uncork();
      req.end();
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

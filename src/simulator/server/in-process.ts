// The in-process fetch: a Request becomes a SimRequest, the SimResponse a Response, with faults shaped like undici's errors.
import type { SimRequest, SimResponse } from './app.js';

/** What undici throws when the connection is reset before a response: `TypeError('fetch failed')` with the socket error as cause. */
function connectionReset(): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
}

function waitFor<T>(promise: Promise<T>, signal: AbortSignal | null): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A body that yields its first half and then fails the way undici fails when the peer closes mid-body
 * (`TypeError: terminated`), so `res.json()`/`res.text()` reject as they would over a socket.
 */
function truncatedBody(bytes: Buffer): ReadableStream<Uint8Array> {
  const half = new Uint8Array(bytes.subarray(0, Math.floor(bytes.length / 2)));
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(half);
      } else {
        controller.error(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
      }
    },
  });
}

/** A pull stream over the route's chunks: each read produces the next chunk, so nothing is buffered ahead. */
function streamBody(stream: NonNullable<SimResponse['stream']>, truncate: boolean): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | undefined;
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!iterator) {
          const source = stream();
          iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]();
        }
        if (truncate && sent === 1) {
          controller.error(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
          return;
        }
        const next = await iterator.next();
        if (next.done) controller.close();
        else {
          sent++;
          controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
        }
      },
    },
    { highWaterMark: 0 },
  );
}

export function toFetch(handle: (req: SimRequest) => Promise<SimResponse>): typeof fetch {
  const inProcessFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers.host ??= url.host;
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const simReq: SimRequest = { method: request.method, url: url.pathname + url.search, headers, remoteAddress: '127.0.0.1', body };
    const res = await waitFor(handle(simReq), request.signal);
    if (res.fault === 'reset') throw connectionReset();
    if (res.fault && typeof res.fault === 'object') await waitFor(delay(res.fault.delayMs), request.signal);
    const responseHeaders = new Headers(res.headers);
    if (res.stream) {
      const body = request.method === 'HEAD' ? null : streamBody(res.stream, res.fault === 'truncate');
      return new Response(body, { status: res.status, headers: responseHeaders });
    }
    const bytes = res.bytes ?? Buffer.from(res.body, 'utf8');
    if (res.fault === 'truncate') {
      responseHeaders.set('content-length', String(bytes.length));
      return new Response(truncatedBody(bytes), { status: res.status, headers: responseHeaders });
    }
    return new Response(request.method === 'HEAD' ? null : bytes, { status: res.status, headers: responseHeaders });
  };
  return inProcessFetch as typeof fetch;
}

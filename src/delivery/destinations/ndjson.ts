// NDJSON file (detections.md §5): one alert document per line, appended and fsynced before the alert counts
// as delivered. A line torn by a crash is closed with a newline before the next append, so it stays apart.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NdjsonConfig } from '../config.js';
import type { AlertDocument } from '../document.js';
import { DeliveryError, type Sender } from './sender.js';

export function ndjsonSender(config: NdjsonConfig): Sender {
  return {
    async send(_doc: AlertDocument, body: string) {
      let fd: number | null = null;
      try {
        mkdirSync(dirname(config.path), { recursive: true });
        fd = openSync(config.path, 'a+');
        const size = fstatSync(fd).size;
        let prefix = '';
        if (size > 0) {
          const last = Buffer.alloc(1);
          readSync(fd, last, 0, 1, size - 1);
          if (last[0] !== 0x0a) prefix = '\n';
        }
        writeSync(fd, `${prefix}${body}\n`);
        fsyncSync(fd);
      } catch (err) {
        throw new DeliveryError(`ndjson ${config.path}: cannot append (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      } finally {
        if (fd !== null) closeSync(fd);
      }
    },
  };
}

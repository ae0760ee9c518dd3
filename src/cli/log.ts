// The one logger factory: pino JSON lines on stderr, adapted to the client's Logger interface (commands, daemon, demo).
import { type Logger as Pino, pino } from 'pino';
import type { Logger } from '../api/index.js';

export function stderrLogger(level: 'debug' | 'info' | 'warn' | 'error'): { log: Pino; logger: Logger } {
  // Synchronous: an asynchronous write that met a full pipe (EAGAIN) waits on a timer, and process.exit() drops it,
  // so a daemon's last line ("run: stopped") could go missing when its reader was slow.
  const log = pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  const logger: Logger = {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => log.warn(obj, msg),
    error: (obj, msg) => log.error(obj, msg),
  };
  return { log, logger };
}

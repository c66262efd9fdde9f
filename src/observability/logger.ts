/**
 * The gateway's default logger: pino at `LOG_LEVEL` (info), on standard output, written in batches of about 4 kB and
 * at least once a second (pino writes what is left at exit). Each write goes through libuv's thread pool, which costs
 * more than a line: one write per request is what `npm run bench:call-bookkeeping` compares this with.
 */
import { type Logger, destination, pino } from 'pino';

const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/** @param dest where the lines go: a file descriptor or a path (standard output by default) */
export function defaultLogger(dest: number | string = 1): Logger {
  return pino(
    { level: process.env.LOG_LEVEL ?? 'info' },
    destination({ dest, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }),
  );
}

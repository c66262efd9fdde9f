/**
 * Captures everything each test file's process logs (console and stdout/stderr writes), and fails the file when any
 * of it holds a bearer token: the proof that tokens never reach logs, over the whole suite.
 */
import { format } from 'node:util';
import { afterAll } from 'vitest';

/** Every token the suite uses, and anything sent as a bearer credential. */
const SECRET =
  /sandbox-token|sandbox-app-only-token|start-test-token|not-a-demo-token|user-token|Bearer [\x21-\x7e]{4,}/;

const captured: string[] = [];

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    captured.push(format(...args));
    original(...args);
  };
}
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = (chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return original(chunk, ...rest);
  };
}

/** Records a line logged elsewhere than the console (the gateways' own loggers in tests). */
export function recordLog(line: string): void {
  captured.push(line);
}

/** What this file's process logged so far. */
export function capturedLogs(): readonly string[] {
  return captured;
}

/** Forgets logs a test wrote on purpose (to check the capture itself). */
export function forgetLogs(predicate: (line: string) => boolean): void {
  for (let i = captured.length - 1; i >= 0; i--) if (predicate(captured[i]!)) captured.splice(i, 1);
}

/** The first logged line that holds a secret, if any. */
export function firstSecret(lines: readonly string[]): string | undefined {
  return lines.find((line) => SECRET.test(line));
}

afterAll(() => {
  const leak = firstSecret(captured);
  if (leak) throw new Error(`A log line holds a bearer token: ${leak.slice(0, 200)}`);
});

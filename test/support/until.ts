/**
 * Waiting on a signal instead of a fixed time: `until` checks a condition the system makes true (a request the
 * sandbox logged, a subscriber the live hub counts, a message a stream received) until it holds.
 */

/** Resolves once `condition` holds (checked every `everyMs`); fails after `timeoutMs`, naming `what` it waited for. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

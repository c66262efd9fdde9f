/**
 * Reading a GraphQL subscription served as Server-Sent Events (yoga's `text/event-stream`), for the tests that
 * subscribe over SSE.
 */
import type { Gateway } from '../../src/gateway.js';

/** One message of an event stream: a comment (yoga's keep-alive ping), or an event with its `data` lines joined. */
export type SseMessage =
  { readonly comment: true } | { readonly comment: false; readonly event?: string; readonly data: string };

/** Hands each message of `body` to `onMessage` until the stream ends or is aborted (which ends it quietly). */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        if (lines[0]!.startsWith(':')) {
          onMessage({ comment: true });
          continue;
        }
        const event = lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        onMessage({ comment: false, ...(event !== undefined && { event }), data });
      }
    }
  } catch {
    // aborted
  }
}

/** The results an event stream carries: every message with data, but the closing `complete`. */
export function readSseResults(
  body: ReadableStream<Uint8Array>,
  onResult: (result: Record<string, any>) => void,
): Promise<void> {
  return readSse(body, (message) => {
    if (!message.comment && message.data && message.event !== 'complete')
      onResult(JSON.parse(message.data) as Record<string, any>);
  });
}

/**
 * A `dmEventAdded { text }` subscription over SSE through `gateway.fetch` (in process, no HTTP): the texts received so
 * far, a promise of the stream's end, and how to end it.
 */
export async function subscribeToTexts(gateway: Pick<Gateway, 'fetch'>, token: string) {
  const controller = new AbortController();
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'subscription { dmEventAdded { text } }' }),
    signal: controller.signal,
  });
  const texts: string[] = [];
  const ended = readSseResults(response.body!, (result) => texts.push(result.data?.dmEventAdded?.text));
  return { texts, ended, close: () => controller.abort() };
}

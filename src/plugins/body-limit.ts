/**
 * The request body's size limit, as yoga's own (413 `REQUEST_ENTITY_TOO_LARGE` over the limit, 400 `BAD_REQUEST` for
 * a `Content-Length` that is not one number), without its cost on every request: yoga pipes every body through a
 * counting stream; here a body that declares its length is checked on the header alone (the HTTP parser delivers no
 * more than it declares), and only a body without one (chunked) is counted as it is read.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** yoga's default limit. */
const MAX_REQUEST_BODY_BYTES = 25_000_000;

const tooLarge = () =>
  new GraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });

/** Reads a body of unknown length, refusing it as soon as it passes `limit` bytes. */
async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Use with yoga's `maxRequestBodySize: false`. */
export function requestBodyLimit(limit = MAX_REQUEST_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!/^\d+$/.test(declared)) {
          throw new GraphQLError('Content-Length header is invalid.', {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser(async (unread) =>
        requestParser(
          unread.body
            ? new fetchAPI.Request(unread.url, {
                method: unread.method,
                headers: unread.headers,
                signal: unread.signal,
                body: await readAtMost(unread.body, limit),
              })
            : unread,
        ),
      );
    },
  };
}

/**
 * Media answered as a media server answers it: its content type, `Content-Length`, a strong `ETag` (304 for a
 * matching `If-None-Match`), `Cache-Control: private` for no longer than the link has left, one byte range (206, or
 * 416 when unsatisfiable; `If-Range` honoured), `HEAD`. Nothing forbids a page of another origin to embed it
 * (`Cross-Origin-Resource-Policy: cross-origin`), and nothing lets it run as a page of this origin
 * (`X-Content-Type-Options: nosniff`, a sandboxing `Content-Security-Policy`).
 */
import type { CachedMedia } from './byte-cache.js';

/** Headers every media answer carries, success or failure. */
const COMMON: Readonly<Record<string, string>> = {
  'cross-origin-resource-policy': 'cross-origin',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'referrer-policy': 'no-referrer',
};

/** An answer without a body: an error, a refusal, nothing that could tell anything about the media or the caller. */
export function bare(R: typeof Response, status: number, headers: Record<string, string> = {}): Response {
  return new R(null, { status, headers: { ...COMMON, 'cache-control': 'no-store', ...headers } });
}

/** The one range of `Range: bytes=...` within `size` bytes; `undefined` to serve it all; 'unsatisfiable' for 416. */
export function parseRange(
  header: string | null,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  // Several ranges, another unit, or nonsense: served whole, as RFC 9110 lets a server do.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Whether an `If-None-Match` header names `etag` (or `*`); weak comparison, as RFC 9110 asks for it. */
function noneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || weakless(tag) === weakless(etag));
}

/** The answer to `request` for `media`, fresh for `maxAgeSeconds` more at most (`R`: the server's `Response`). */
export function respond(R: typeof Response, request: Request, media: CachedMedia, maxAgeSeconds: number): Response {
  const size = media.bytes.length;
  const headers: Record<string, string> = {
    ...COMMON,
    'cache-control': `private, max-age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    etag: media.etag,
    'accept-ranges': 'bytes',
  };
  if (noneMatch(request.headers.get('if-none-match'), media.etag)) return new R(null, { status: 304, headers });
  headers['content-type'] = media.contentType;
  const head = request.method === 'HEAD';

  const ifRange = request.headers.get('if-range');
  const range = ifRange && ifRange.trim() !== media.etag ? undefined : parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable') {
    return new R(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  }
  if (range) {
    const part = media.bytes.subarray(range.start, range.end + 1);
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['content-length'] = String(part.length);
    return new R(head ? null : (part as Uint8Array<ArrayBuffer>), { status: 206, headers });
  }
  headers['content-length'] = String(size);
  return new R(head ? null : (media.bytes as Uint8Array<ArrayBuffer>), { status: 200, headers });
}

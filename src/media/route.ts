/**
 * `/media/<link>` as a yoga plugin: the media a minted link stands for, answered before anything GraphQL runs. One
 * log line per request (status, where the bytes came from, the call made to X if any: no link, no token, no id) and
 * `gateway_media_requests_total` by status and source.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { MediaService } from './media.js';

export const MEDIA_PATH = '/media/';

export function mediaRoute(options: { media: MediaService; logger: Logger; metrics: GatewayMetrics }): Plugin {
  const { media, logger, metrics } = options;
  return {
    onRequest: (payload) => {
      const { request, url, fetchAPI } = payload;
      // A CORS preflight (a page's `fetch` with a `Range`) is yoga's to answer, as for every other path.
      if (!url.pathname.startsWith(MEDIA_PATH) || request.method === 'OPTIONS') return;
      return (async () => {
        const startedAt = performance.now();
        const requestId = randomUUID();
        const answer = await media.answer(request, url.pathname.slice(MEDIA_PATH.length), fetchAPI.Response);
        const { status } = answer.response;
        answer.response.headers.set('x-request-id', requestId);
        metrics.mediaRequests.inc({ status: String(status), source: answer.source });
        logger.info(
          {
            requestId,
            route: 'media',
            status,
            source: answer.source,
            durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
            upstream: answer.x?.log ?? [],
          },
          'media request',
        );
        payload.endResponse(answer.response);
      })();
    },
  };
}

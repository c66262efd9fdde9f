/**
 * `/x/webhooks`: X's webhook deliveries of Activity API events (`X_ACTIVITY=webhook`). `GET ?crc_token=T` answers X's
 * CRC challenge (`{"response_token":"sha256=" + base64(HMAC-SHA256(consumer secret, T))}`); `POST` takes a delivery
 * only when its `x-twitter-webhooks-signature` is that HMAC over the raw body, compared in constant time; anything
 * else is a 401 and nothing is stored. Any replica can take a delivery: the feed tells the others.
 * @see https://docs.x.com/x-api/webhooks/introduction
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

export interface WebhookOptions {
  /** The X app's consumer secret (`X_CONSUMER_SECRET`). */
  readonly consumerSecret: string;
  /** Takes a delivery whose signature is right (resolves once it is in memory and announced). */
  readonly take: (envelope: unknown) => Promise<void>;
  /** @default '/x/webhooks' */
  readonly path?: string;
  /** The largest delivery read. @default 1 MB */
  readonly maxBytes?: number;
}

const signatureOf = (secret: string, data: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(data).digest('base64')}`;

/** Whether `given` is the signature of `body`: equal-length buffers compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, given: string | null): boolean {
  if (given === null) return false;
  const expected = Buffer.from(signatureOf(secret, body));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function activityWebhooks(options: WebhookOptions): Plugin {
  const path = options.path ?? '/x/webhooks';
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      if (url.pathname !== path) return;
      if (request.method === 'GET') {
        const token = url.searchParams.get('crc_token');
        if (!token) return payload.endResponse(json(400, { error: 'crc_token is required' }));
        return payload.endResponse(json(200, { response_token: signatureOf(options.consumerSecret, token) }));
      }
      if (request.method !== 'POST')
        return payload.endResponse(new Response(null, { status: 405, headers: { allow: 'GET, POST' } }));
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > maxBytes) return payload.endResponse(json(413, { error: 'too large' }));
      const body = Buffer.from(await request.arrayBuffer());
      if (body.length > maxBytes) return payload.endResponse(json(413, { error: 'too large' }));
      if (!signatureMatches(options.consumerSecret, body, request.headers.get('x-twitter-webhooks-signature'))) {
        return payload.endResponse(json(401, { error: 'bad signature' }));
      }
      let envelope: unknown;
      try {
        envelope = JSON.parse(body.toString('utf8'));
      } catch {
        return payload.endResponse(json(400, { error: 'not JSON' }));
      }
      await options.take(envelope);
      return payload.endResponse(new Response(null, { status: 200 }));
    },
  };
}

/**
 * The sandbox's Activity API: subscriptions with the user's own token, the app-only NDJSON stream (keep-alives,
 * backfill, two connections at most, drops on demand) and signed webhook deliveries after a CRC check.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
let base = '';
beforeAll(async () => {
  sandbox = createSandbox({ seed: 42, activity: { keepAliveMs: 50 } });
  base = await sandbox.listen();
});
afterAll(() => sandbox.close());

const call = (method: string, path: string, token: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

/** Reads a stream's lines as they come. */
function lines(response: Response) {
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
          seen.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // dropped
    }
  })();
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const test = () => (check() ? resolve() : waiters.push(test));
      test();
    });
  return {
    seen,
    until,
    events: () => seen.filter((l) => l !== '').map((l) => JSON.parse(l) as { data: Record<string, any> }),
  };
}

describe('Activity API subscriptions', () => {
  it('takes a user token for its own user only, refuses a duplicate with a 4xx', async () => {
    const user = sandbox.users[1]!;
    const ok = await call('POST', '/2/activity/subscriptions', user.token, {
      event_type: 'dm.received',
      filter: { user_id: user.id },
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).data.subscription).toMatchObject({
      event_type: 'dm.received',
      filter: { user_id: user.id },
    });
    const again = await call('POST', '/2/activity/subscriptions', user.token, {
      event_type: 'dm.received',
      filter: { user_id: user.id },
    });
    expect(again.status).toBe(409);
    const foreign = await call('POST', '/2/activity/subscriptions', user.token, {
      event_type: 'dm.received',
      filter: { user_id: sandbox.users[2]!.id },
    });
    expect(foreign.status).toBe(403);
  });

  it('streams only to the app token, NDJSON with keep-alives, and replays what a dropped stream missed', async () => {
    expect((await call('GET', '/2/activity/stream', sandbox.users[0]!.token)).status).toBe(403);
    const stream = lines(await call('GET', '/2/activity/stream', sandbox.appOnlyToken));
    const user = sandbox.users[1]!;
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    const other = conversation.participantIds.find((p) => p !== user.id)!;
    const event = sandbox.addMessage(conversation.id, other, 'pushed');
    await stream.until(() => stream.events().length === 1 && stream.seen.includes(''));
    const [envelope] = stream.events();
    expect(envelope!.data).toMatchObject({ event_type: 'dm.received', filter: { user_id: user.id } });
    expect(envelope!.data.payload.direct_message_events[0]).toMatchObject({
      type: 'message_create',
      id: event.id,
      message_create: { sender_id: other, target: { recipient_id: user.id }, message_data: { text: 'pushed' } },
    });
    sandbox.activity.dropStreams();
    sandbox.addMessage(conversation.id, other, 'while away');
    const second = lines(await call('GET', '/2/activity/stream?backfill_minutes=1', sandbox.appOnlyToken));
    await second.until(() => second.events().length === 2);
    expect(
      second.events().map((e) => e.data.payload.direct_message_events[0].message_create.message_data.text),
    ).toEqual(['pushed', 'while away']);
    expect((await call('GET', '/2/activity/stream?backfill_minutes=6', sandbox.appOnlyToken)).status).toBe(400);
    const third = lines(await call('GET', '/2/activity/stream', sandbox.appOnlyToken));
    expect((await call('GET', '/2/activity/stream', sandbox.appOnlyToken)).status).toBe(429);
    void third;
    sandbox.activity.dropStreams();
  });

  it('registers a webhook after its CRC answer, and signs each delivery', async () => {
    const secret = sandbox.activity.consumerSecret;
    const deliveries: { body: string; signature: string | undefined }[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'GET') {
        const token = url.searchParams.get('crc_token')!;
        res.end(
          JSON.stringify({ response_token: `sha256=${createHmac('sha256', secret).update(token).digest('base64')}` }),
        );
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        deliveries.push({ body, signature: req.headers['x-twitter-webhooks-signature'] as string | undefined });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x/webhooks`;
    const registered = await call('POST', '/2/webhooks', sandbox.appOnlyToken, { url });
    expect(registered.status).toBe(200);
    const webhookId = (await registered.json()).data.id as string;
    const user = sandbox.users[3]!;
    await call('POST', '/2/activity/subscriptions', user.token, {
      event_type: 'dm.indicate_typing',
      filter: { user_id: user.id },
      webhook_id: webhookId,
    });
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(user.id))!;
    sandbox.activity.typing(
      conversation.id,
      conversation.participantIds.find((p) => p !== user.id)!,
    );
    while (deliveries.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const [delivery] = deliveries;
    expect(delivery!.signature).toBe(`sha256=${createHmac('sha256', secret).update(delivery!.body).digest('base64')}`);
    expect(JSON.parse(delivery!.body).data.event_type).toBe('dm.indicate_typing');
    server.close();
  });
});

/**
 * Delivery by webhook (`X_ACTIVITY=webhook`): X's CRC challenge answered, a signed delivery taken and pushed, a
 * forged one refused with 401 and nothing stored, a duplicate taken once.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { APP_ONLY_TOKEN } from '../../src/sandbox/index.js';
import { sleep, subscribeSse, useLiveGateway } from '../live/helpers.js';

const SECRET = 'sandbox-consumer-secret';
const h = useLiveGateway({
  gateway: { activity: { mode: 'webhook', appBearerToken: APP_ONLY_TOKEN, consumerSecret: SECRET } },
});
const QUERY = 'subscription { dmEventAdded { restId text } }';
const webhookUrl = () => h.url.replace('/graphql', '/x/webhooks');
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('base64')}`;

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

describe('webhooks', () => {
  it("answers X's CRC challenge", async () => {
    const response = await fetch(`${webhookUrl()}?crc_token=challenge-123`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_token: sign('challenge-123') });
  });

  it('takes signed deliveries (registered after a CRC check), once each, and refuses a forged one', async () => {
    const registered = await fetch(`${h.sandbox.url}/2/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_ONLY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: webhookUrl() }),
    });
    expect(registered.status).toBe(200);
    h.gateway.activity.subscriptions!.webhookId = ((await registered.json()) as { data: { id: string } }).data.id;
    const me = h.sandbox.users[1]!;
    const stream = await subscribeSse(h.url, QUERY, me.token);
    await until(
      () =>
        [...h.sandbox.activity.subscriptions.values()].filter((s) => s.filter.user_id === me.id && s.webhook_id)
          .length === 2,
    );
    await until(() => h.gateway.live.subscriptions(`Bearer ${me.token}`) === 1);
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me.id))!;
    const other = conversation.participantIds.find((p) => p !== me.id)!;

    // A forged delivery: right shape, wrong signature. 401, nothing taken.
    const forged = JSON.stringify({
      data: {
        event_uuid: '1',
        event_type: 'dm.received',
        filter: { user_id: me.id },
        payload: {
          direct_message_events: [
            {
              type: 'message_create',
              id: '99',
              created_timestamp: String(Date.now()),
              message_create: { sender_id: other, target: { recipient_id: me.id }, message_data: { text: 'forged' } },
            },
          ],
        },
      },
    });
    for (const signature of [sign(`${forged} `), 'sha256=short', undefined]) {
      const answer = await fetch(webhookUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature && { 'x-twitter-webhooks-signature': signature }),
        },
        body: forged,
      });
      expect(answer.status).toBe(401);
    }
    expect(await h.gateway.metrics.registry.getSingleMetricAsString('gateway_activity_deliveries_total')).not.toMatch(
      /kind="message"/,
    );

    const event = h.sandbox.addMessage(conversation.id, other, 'by webhook');
    await stream.waitFor(1);
    h.sandbox.activity.repeatLast();
    const duplicates = async () =>
      (await h.gateway.metrics.activityNews.get()).values.find(
        (v) => v.labels.kind === 'message' && v.labels.outcome === 'duplicate',
      )?.value ?? 0;
    while ((await duplicates()) === 0) await sleep(5);
    expect(stream.received).toEqual([{ data: { dmEventAdded: { restId: event.id, text: 'by webhook' } } }]);
    expect(await h.gateway.metrics.registry.getSingleMetricAsString('gateway_activity_deliveries_total')).toMatch(
      /kind="message",outcome="duplicate"\} 1/,
    );
    expect(h.sandbox.activity.failedDeliveries).toEqual([]);
    await stream.close();
  });
});

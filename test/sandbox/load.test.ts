import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES, type DialectName } from '../../src/x/dialect.js';
import { NOW } from './helpers.js';

/** A full page with every link expanded, in each dialect's names. */
const FULL_PAGE: Record<DialectName, string> = {
  tweets:
    '/2/dm_events?dm_event.fields=created_at,sender_id,entities,attachments,referenced_tweets&expansions=sender_id,attachments.media_keys,referenced_tweets.id&user.fields=profile_image_url',
  posts:
    '/2/dm_events?dm_event.fields=created_at,entities,attachments&expansions=sender_id,attachments.media_keys,referenced_posts&user.fields=profile_image_url',
};

describe.each(DIALECT_NAMES)('load (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  let agent: Agent;
  beforeAll(async () => {
    // The default budgets (300 per 15 minutes per token and family) hold 2,000 requests spread over 20 tokens.
    sandbox = createSandbox({ now: NOW, dialect });
    await sandbox.listen();
    agent = new Agent({ connections: 32 });
  });
  afterAll(async () => {
    await agent.close();
    await sandbox.close();
  });

  it('answers 2,000 full-page requests from 20 tokens quickly and correctly', async () => {
    const paths = [
      FULL_PAGE[dialect],
      '/2/dm_events?max_results=20&event_types=MessageCreate',
      '/2/users/me?user.fields=public_metrics',
    ];
    const start = Date.now();
    let next = 0;
    const statuses: number[] = [];
    const worker = async () => {
      while (next < 2000) {
        const i = next++;
        const token = sandbox.users[1 + (i % 20)]!.token;
        const res = await request(sandbox.url + paths[i % paths.length], {
          dispatcher: agent,
          headers: { authorization: `Bearer ${token}` },
        });
        await res.body.arrayBuffer();
        statuses.push(res.statusCode);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const elapsed = Date.now() - start;
    expect(statuses).toHaveLength(2000);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(elapsed).toBeLessThan(10_000);
  });
});

/** The sandbox alive (`npm start`): friends write now and then, and reply to what the main user sends. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the sandbox alive', () => {
  it('has the main user’s friends write now and then', async () => {
    sandbox = createSandbox({ alive: { everyMs: 60, replyAfterMs: 1_000_000 } });
    const me = sandbox.users[0]!.id;
    const before = sandbox.visibleEvents(me).length;
    await sleep(400);
    const newer = sandbox.visibleEvents(me).slice(0, sandbox.visibleEvents(me).length - before);
    expect(newer.length).toBeGreaterThanOrEqual(3);
    for (const event of newer) expect(event.sender_id).not.toBe(me);
  });

  it('replies to what the main user sends, in that conversation', async () => {
    sandbox = createSandbox({ alive: { everyMs: 1_000_000, replyAfterMs: 50 } });
    const url = await sandbox.listen();
    const me = sandbox.users[0]!;
    const other = sandbox.users[1]!;
    const response = await fetch(`${url}/2/dm_conversations/with/${other.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'ping' }),
    });
    expect(response.status).toBe(201);
    const { data } = (await response.json()) as { data: { dm_conversation_id: string } };
    await sleep(300);
    const [reply, mine] = sandbox.visibleEvents(me.id, data.dm_conversation_id);
    expect(mine!.text).toBe('ping');
    expect(reply!.sender_id).toBe(other.id);
  });

  it('is off unless asked for: tests drive arrivals themselves', async () => {
    sandbox = createSandbox();
    const me = sandbox.users[0]!.id;
    const before = sandbox.visibleEvents(me).length;
    await sleep(200);
    expect(sandbox.visibleEvents(me).length).toBe(before);
  });
});

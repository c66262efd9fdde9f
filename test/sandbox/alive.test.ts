/** The sandbox alive (`npm start`): friends write now and then, and reply to what the main user sends. */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});
let alive: Sandbox | undefined;
afterEach(async () => {
  await alive?.close();
  alive = undefined;
});
const newerThan = (s: Sandbox, before: number) => {
  const events = s.visibleEvents(s.users[0]!.id);
  return events.slice(0, events.length - before);
};

describe('the sandbox alive', () => {
  it('has the main user’s friends write now and then', async () => {
    sandbox = createSandbox({ alive: { everyMs: 60, replyAfterMs: 1_000_000 } });
    const me = sandbox.users[0]!.id;
    const before = sandbox.visibleEvents(me).length;
    const s = sandbox;
    await until('three messages from friends', () => newerThan(s, before).length >= 3);
    for (const event of newerThan(s, before)) expect(event.sender_id).not.toBe(me);
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
    const s = sandbox;
    await until(
      'the reply',
      () =>
        s.visibleEvents(me.id, data.dm_conversation_id).length >= 2 &&
        s.visibleEvents(me.id, data.dm_conversation_id)[0]!.sender_id === other.id,
    );
    const [reply, mine] = sandbox.visibleEvents(me.id, data.dm_conversation_id);
    expect(mine!.text).toBe('ping');
    expect(reply!.sender_id).toBe(other.id);
  });

  it('is off unless asked for: tests drive arrivals themselves', async () => {
    sandbox = createSandbox();
    const me = sandbox.users[0]!.id;
    const before = sandbox.visibleEvents(me).length;
    // Meanwhile an alive sandbox's friends write three times: time enough for any arrival.
    alive = createSandbox({ alive: { everyMs: 60, replyAfterMs: 1_000_000 } });
    const s = alive;
    const aliveBefore = s.visibleEvents(s.users[0]!.id).length;
    await until('three messages in an alive sandbox', () => newerThan(s, aliveBefore).length >= 3);
    expect(sandbox.visibleEvents(me).length).toBe(before);
  });
});

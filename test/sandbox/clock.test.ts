/**
 * The sandbox in fake time: its clock moves X's 30-day window, dates new messages and is logged with each answer; demo
 * friends write on demand, the same messages for the same random sequence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/sandbox/data/prng.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { DmEvent } from '../../src/x/wire.js';
import { NOW, get, startSandbox, walk } from './helpers.js';

const DAY = 86_400_000;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const ids = (pages: { data?: DmEvent[] }[]) => pages.flatMap((page) => page.data ?? []).map((event) => event.id);

describe('the sandbox clock', () => {
  it("lets events older than 30 days by its clock leave every lookup, as X's window does", async () => {
    let clock = NOW.getTime();
    sandbox = await startSandbox({ clock: () => clock });
    const me = sandbox.users[0]!.id;
    const query = { max_results: 100, 'dm_event.fields': 'created_at,dm_conversation_id' };
    const before = ids(await walk(sandbox, '/2/dm_events', query));
    expect(before).toEqual(sandbox.visibleEvents(me).map((event) => event.id));

    clock += 10 * DAY;
    const start = clock - 30 * DAY;
    const all = sandbox.data.events.filter((event) => before.includes(event.id));
    const gone = all.filter((event) => Date.parse(event.created_at!) < start);
    const kept = all.filter((event) => Date.parse(event.created_at!) >= start);
    expect(gone.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    expect(ids(await walk(sandbox, '/2/dm_events', query))).toEqual(kept.map((event) => event.id));
    expect(sandbox.visibleEvents(me).map((event) => event.id)).toEqual(kept.map((event) => event.id));
    const old = gone[0]!;
    expect(ids(await walk(sandbox, `/2/dm_conversations/${old.dm_conversation_id}/dm_events`, query))).not.toContain(
      old.id,
    );
    const single = await get(sandbox, `/2/dm_events/${old.id}`);
    expect(single.body.data).toBeUndefined();
    expect(single.body.errors[0]).toMatchObject({ resource_id: old.id });
  });

  it('dates new messages and the logged answers by its clock', async () => {
    const clock = NOW.getTime() + 3 * DAY + 1_234;
    sandbox = await startSandbox({ clock: () => clock, logAnswers: true });
    const me = sandbox.users[0]!;
    const conversation = sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me.id))!;
    const friend = conversation.participantIds.find((id) => id !== me.id)!;
    const event = sandbox.addMessage(conversation.id, friend, 'hello');
    expect(event.created_at).toBe(new Date(NOW.getTime() + 3 * DAY + 1_000).toISOString());

    sandbox.clearRequests();
    const answer = await get(sandbox, '/2/dm_events', { query: { max_results: 1 } });
    expect(answer.body.data[0].id).toBe(event.id);
    const [record] = sandbox.requests;
    expect(record).toMatchObject({ path: '/2/dm_events', status: 200, at: clock });
    expect(JSON.parse(record!.answer!)).toEqual(answer.body);
  });

  it('keeps answers out of the log unless asked', async () => {
    sandbox = await startSandbox();
    await get(sandbox, '/2/users/me');
    expect(sandbox.requests[0]!.answer).toBeUndefined();
    expect(sandbox.requests[0]!.at).toBeUndefined();
  });
});

describe('demo friends writing on demand', () => {
  it('writes from a friend to the main user, the same messages for the same random sequence', async () => {
    const written: DmEvent[][] = [];
    for (let run = 0; run < 2; run++) {
      sandbox = await startSandbox({ clock: () => NOW.getTime() + DAY });
      const me = sandbox.users[0]!.id;
      const random = createRandom(7);
      const events: DmEvent[] = [];
      for (let i = 0; i < 5; i++) {
        const event = sandbox.friendWrites(() => random.next());
        expect(event.sender_id).not.toBe(me);
        expect(sandbox.visibleEvents(me, event.dm_conversation_id)[0]!.id).toBe(event.id);
        expect(event.created_at).toBe(new Date(NOW.getTime() + DAY).toISOString());
        events.push(event);
      }
      written.push(events);
      await sandbox.close();
      sandbox = undefined;
    }
    expect(written[1]!.map((e) => [e.dm_conversation_id, e.sender_id, e.text])).toEqual(
      written[0]!.map((e) => [e.dm_conversation_id, e.sender_id, e.text]),
    );
    expect(new Set(written[0]!.map((e) => e.dm_conversation_id)).size).toBeGreaterThan(1);
  });
});

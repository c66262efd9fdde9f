import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES } from '../../src/x/dialect.js';
import type { DmEvent } from '../../src/x/wire.js';
import { get, ids, startSandbox, walk } from './helpers.js';

describe.each(DIALECT_NAMES)('who sees what (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
  });
  afterAll(() => sandbox.close());

  const conversationsOf = (userId: string) =>
    new Set(sandbox.data.conversations.filter((c) => c.participantIds.includes(userId)).map((c) => c.id));

  it.each([0, 1, 3, 12, 14, 18, 23])('lists for user %i only events of conversations they are in', async (index) => {
    const user = sandbox.users[index]!;
    const pages = await walk(sandbox, '/2/dm_events', { 'dm_event.fields': 'dm_conversation_id' }, 'next', user.token);
    const events = pages.flatMap((p) => p.data ?? []);
    expect(events.length).toBeGreaterThan(0);
    const mine = conversationsOf(user.id);
    for (const e of events) expect(mine.has(e.dm_conversation_id!)).toBe(true);
    expect(ids(events)).toEqual(ids(sandbox.visibleEvents(user.id) as DmEvent[]));
  });

  it('answers an event the user may not see exactly like one that does not exist', async () => {
    const main = sandbox.users[0]!;
    const hidden = sandbox.data.events.find((e) => !sandbox.visibleEvents(main.id).includes(e))!;
    const answer = await get(sandbox, `/2/dm_events/${hidden.id}`, { query: { expansions: 'sender_id' } });
    const nonexistent = await get(sandbox, '/2/dm_events/1000000000000000001', { query: { expansions: 'sender_id' } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(nonexistent.text.replaceAll('1000000000000000001', hidden.id));
    const owner = sandbox.users.find((u) => sandbox.visibleEvents(u.id).includes(hidden))!;
    expect((await get(sandbox, `/2/dm_events/${hidden.id}`, { token: owner.token })).body.data.id).toBe(hidden.id);
  });

  it('shows a group to a late joiner from the join on, and nothing of it to someone who left', async () => {
    const group = sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(sandbox.users[0]!.id))!;
    const all = sandbox.visibleEvents(sandbox.users[0]!.id, group.id);
    const join = all.find((e) => e.event_type === 'ParticipantsJoin' && e.participant_ids!.length === 1)!;
    const leave = all.find((e) => e.event_type === 'ParticipantsLeave')!;
    const joiner = sandbox.users.find((u) => u.id === join.participant_ids![0])!;
    const leaver = sandbox.users.find((u) => u.id === leave.participant_ids![0])!;

    const joinerView = await walk(sandbox, `/2/dm_conversations/${group.id}/dm_events`, {}, 'next', joiner.token);
    expect(joinerView.flatMap((p) => ids(p.data))).toEqual(ids(all.filter((e) => BigInt(e.id) >= BigInt(join.id))));
    const leaverView = await get(sandbox, `/2/dm_conversations/${group.id}/dm_events`, { token: leaver.token });
    expect(leaverView.text).toBe('{"meta":{"result_count":0}}');
    expect(group.participantIds).toContain(joiner.id);
    expect(group.participantIds).not.toContain(leaver.id);
  });

  it("gives an empty page for another pair's one-to-one conversation", async () => {
    const user = sandbox.users[5]!;
    const foreign = sandbox.data.conversations.find((c) => !c.group && !c.participantIds.includes(user.id))!;
    expect((await get(sandbox, `/2/dm_conversations/${foreign.id}/dm_events`, { token: user.token })).text).toBe(
      '{"meta":{"result_count":0}}',
    );
  });
});

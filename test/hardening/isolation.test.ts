/**
 * Isolation under bounded concurrent load: thousands of operations from every demo token through ONE gateway, with
 * pages walked by cursor and nested senders, participants and mentioned users, 32 operations in flight.
 *
 * Every answer must hold only its own user's data (events that user may see, in conversations that user is in, with
 * the senders, participants and mentions of those very events), and every call X received must carry the
 * Authorization of the operation that caused it: per token, exactly the DM calls its own operations cost (one per
 * page), and lookups only of ids its own events mention.
 *
 * The workload is fixed in advance from a seeded generator: it stops by itself.
 */
import { describe, expect, it } from 'vitest';
import type { DmEvent } from '../../src/x/wire.js';
import { useGateway } from '../support/harness.js';
import { generator } from '../support/random.js';

const h = useGateway();

const CONCURRENCY = 32;
const OPERATIONS_PER_USER = 90;

const NODE = `restId conversationId eventType senderId
  sender { restId username }
  participantIds participants { restId username }`;
const MENTIONS = `entities { mentions { userId user { restId username } } }`;
const PAGE = (mentions: boolean) =>
  `edges { cursor node { ${NODE} ${mentions ? MENTIONS : ''} } } pageInfo { hasNextPage endCursor }`;

const query = {
  inbox: (mentions: boolean) => `query Inbox($first: Int, $after: String) {
    dmEvents(first: $first, after: $after) { ${PAGE(mentions)} }
  }`,
  with: (mentions: boolean, conversationId: boolean) => `query With($participantId: ID!, $first: Int, $after: String) {
    dmConversationWith(participantId: $participantId) {
      ${conversationId ? 'conversationId' : ''}
      events(first: $first, after: $after) { ${PAGE(mentions)} }
    }
  }`,
  conversation: (mentions: boolean) => `query Conversation($conversationId: ID!, $first: Int, $after: String) {
    dmConversation(conversationId: $conversationId) { conversationId events(first: $first, after: $after) { ${PAGE(mentions)} } }
  }`,
};

/** A walk of one connection, page after page, as one user. */
interface Chain {
  user: number;
  kind: 'inbox' | 'with' | 'conversation';
  /** The participant (`with`) or conversation (`conversation`). */
  target?: string;
  pageSize: number;
  pages: number;
  mentions: boolean;
  conversationId: boolean;
}

interface Edge {
  cursor: string;
  node: {
    restId: string;
    conversationId: string | null;
    eventType: string;
    senderId: string | null;
    sender: { restId: string; username: string } | null;
    participantIds: string[] | null;
    participants: { restId: string; username: string }[] | null;
    entities?: { mentions: { userId: string; user: { restId: string; username: string } | null }[] } | null;
  };
}
interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const pairId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`);

const EVENT_TYPE: Record<string, string> = {
  MessageCreate: 'MESSAGE_CREATE',
  ParticipantsJoin: 'PARTICIPANTS_JOIN',
  ParticipantsLeave: 'PARTICIPANTS_LEAVE',
};

describe('one gateway, every demo token, 32 operations in flight', () => {
  it("each answer holds only its own user data, and each call carries its own operation's Authorization", async () => {
    const { users, data } = h.sandbox;
    expect(users.length).toBeGreaterThanOrEqual(20);
    const usernames = new Map(data.users.map((u) => [u.id, u.username]));
    const visible = users.map((u) => new Map(h.sandbox.visibleEvents(u.id).map((e): [string, DmEvent] => [e.id, e])));
    const conversationsOf = users.map((_, i) => new Set([...visible[i]!.values()].map((e) => e.dm_conversation_id!)));
    const mentionedBy = users.map(
      (_, i) =>
        new Set(
          [...visible[i]!.values()].flatMap((e) =>
            (e.entities?.mentions ?? (e as any).mentions ?? []).map((m: any) => m.id as string),
          ),
        ),
    );

    // The workload, fixed in advance.
    const random = generator(20_240_601);
    const chains: Chain[] = [];
    for (const [index, user] of users.entries()) {
      const partners = data.conversations
        .filter((c) => !c.group && c.participantIds.includes(user.id))
        .map((c) => c.participantIds.find((id) => id !== user.id)!);
      const conversations = [...conversationsOf[index]!];
      let operations = 0;
      while (operations < OPERATIONS_PER_USER) {
        const kind = random.pick(['inbox', 'inbox', 'with', 'with', 'conversation'] as const);
        const target =
          kind === 'with'
            ? random.chance(0.85)
              ? random.pick(partners)
              : random.pick(users).id
            : kind === 'conversation'
              ? random.pick(conversations)
              : undefined;
        const pages = Math.min(random.int(1, 4), OPERATIONS_PER_USER - operations);
        chains.push({
          user: index,
          kind,
          ...(target !== undefined && { target }),
          pageSize: random.int(1, 30),
          pages,
          mentions: random.chance(0.3),
          conversationId: random.chance(0.3),
        });
        operations += pages;
      }
    }
    random.shuffle(chains);

    // What each token's operations should cost: DM calls exactly, lookups at most.
    const expectedDmCalls = users.map(() => [] as string[]);
    const allowedUserLookups = users.map(() => 0);
    const allowedMeLookups = users.map(() => 0);
    let operations = 0;
    const failures: string[] = [];

    async function runChain(chain: Chain) {
      const user = users[chain.user]!;
      const own = visible[chain.user]!;
      const expectedIds = (
        chain.kind === 'inbox'
          ? [...own.values()]
          : chain.kind === 'with'
            ? h.sandbox.visibleEvents(user.id, pairId(user.id, chain.target!))
            : h.sandbox.visibleEvents(user.id, chain.target)
      ).map((e) => e.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < chain.pages; page++) {
        const context = `${user.token} ${chain.kind} ${chain.target ?? ''} page ${page}`;
        let answer;
        let connection: Connection;
        if (chain.kind === 'inbox') {
          answer = await h.query(query.inbox(chain.mentions), { first: chain.pageSize, after }, user.token);
          connection = answer.data?.dmEvents;
          expectedDmCalls[chain.user]!.push('/2/dm_events');
        } else if (chain.kind === 'with') {
          answer = await h.query(
            query.with(chain.mentions, chain.conversationId),
            { participantId: chain.target, first: chain.pageSize, after },
            user.token,
          );
          connection = answer.data?.dmConversationWith?.events;
          expectedDmCalls[chain.user]!.push(`/2/dm_conversations/with/${chain.target}/dm_events`);
          if (chain.conversationId) {
            allowedMeLookups[chain.user]! += 1;
            // Derived from /2/users/me: the caller's own id, whoever else is asking at the same time.
            if (answer.data?.dmConversationWith?.conversationId !== pairId(user.id, chain.target!)) {
              failures.push(`${context}: conversationId ${answer.data?.dmConversationWith?.conversationId}`);
            }
          }
        } else {
          answer = await h.query(
            query.conversation(chain.mentions),
            { conversationId: chain.target, first: chain.pageSize, after },
            user.token,
          );
          connection = answer.data?.dmConversation?.events;
          expectedDmCalls[chain.user]!.push(`/2/dm_conversations/${chain.target}/dm_events`);
          if (answer.data?.dmConversation?.conversationId !== chain.target) failures.push(`${context}: conversationId`);
        }
        operations += 1;
        if (chain.mentions) allowedUserLookups[chain.user]! += 1;
        if (answer.errors || !connection) {
          failures.push(`${context}: ${JSON.stringify(answer.errors ?? answer).slice(0, 300)}`);
          return;
        }

        for (const { node } of connection.edges) {
          const event = own.get(node.restId);
          if (!event) {
            failures.push(`${context}: event ${node.restId} is not one ${user.token} may see`);
            continue;
          }
          const problems: string[] = [];
          if (!conversationsOf[chain.user]!.has(node.conversationId!))
            problems.push(`conversation ${node.conversationId}`);
          if (node.conversationId !== event.dm_conversation_id) problems.push('conversationId');
          if (
            chain.kind !== 'inbox' &&
            node.conversationId !== (chain.kind === 'with' ? pairId(user.id, chain.target!) : chain.target)
          ) {
            problems.push('conversation of the connection');
          }
          if (node.eventType !== EVENT_TYPE[event.event_type]) problems.push('eventType');
          if ((node.senderId ?? undefined) !== event.sender_id) problems.push('senderId');
          if (
            event.sender_id &&
            (node.sender?.restId !== event.sender_id || node.sender.username !== usernames.get(event.sender_id))
          ) {
            problems.push(`sender ${JSON.stringify(node.sender)}`);
          }
          const participants = event.participant_ids ?? null;
          if (JSON.stringify(node.participantIds) !== JSON.stringify(participants)) problems.push('participantIds');
          if (
            participants &&
            JSON.stringify(node.participants?.map((p) => p.restId)) !== JSON.stringify(participants)
          ) {
            problems.push(`participants ${JSON.stringify(node.participants)}`);
          }
          if (chain.mentions) {
            const mentions: any[] = event.entities?.mentions ?? (event as any).mentions ?? [];
            const got = node.entities?.mentions ?? [];
            if (JSON.stringify(got.map((m) => m.userId)) !== JSON.stringify(mentions.map((m) => m.id)))
              problems.push('mentions');
            for (const mention of got) {
              if (
                mention.user &&
                (mention.user.restId !== mention.userId || mention.user.username !== usernames.get(mention.userId))
              ) {
                problems.push(`mentioned user ${JSON.stringify(mention)}`);
              }
            }
          }
          if (problems.length) failures.push(`${context}: event ${node.restId}: ${problems.join(', ')}`);
        }
        seen.push(...connection.edges.map((edge) => edge.node.restId));
        if (connection.pageInfo.hasNextPage && connection.pageInfo.endCursor) {
          after = connection.pageInfo.endCursor;
        } else {
          // The end: check the walk, and start over, so every chain runs all its pages.
          checkWalk(seen.splice(0));
          after = null;
        }
      }
      checkWalk(seen);
      // A walk is the user's own list, in order, without gaps or repeats.
      function checkWalk(walked: string[]) {
        if (JSON.stringify(walked) !== JSON.stringify(expectedIds.slice(0, walked.length))) {
          failures.push(
            `${user.token} ${chain.kind} ${chain.target ?? ''}: walked ${walked.length} events out of order or not its own`,
          );
        }
      }
    }

    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < chains.length) await runChain(chains[next++]!);
      }),
    );
    const elapsed = Date.now() - started;

    expect(operations).toBeGreaterThanOrEqual(2000);
    expect(failures.slice(0, 20)).toEqual([]);

    // Every call X received: valid, and with the Authorization of the operation that caused it.
    const calls = h.calls();
    const tokenIndex = new Map(users.map((u, i) => [`Bearer ${u.token}`, i]));
    const dmCalls = users.map(() => [] as string[]);
    const userLookups = users.map(() => 0);
    const meLookups = users.map(() => 0);
    const callProblems: string[] = [];
    for (const call of calls) {
      const index = tokenIndex.get(call.authorization ?? '');
      if (index === undefined) {
        callProblems.push(`${call.path}: authorization is not one of the demo tokens`);
        continue;
      }
      if (call.status !== 200) callProblems.push(`${call.path} as ${users[index]!.token}: ${call.status}`);
      if (call.path === '/2/users') {
        userLookups[index]! += 1;
        for (const id of (call.query.ids ?? '').split(',')) {
          if (!mentionedBy[index]!.has(id))
            callProblems.push(`/2/users as ${users[index]!.token} looked up ${id}, which its events do not mention`);
        }
      } else if (call.path === '/2/users/me') {
        meLookups[index]! += 1;
      } else if (call.path.endsWith('/dm_events')) {
        dmCalls[index]!.push(call.path);
      } else {
        callProblems.push(`unexpected call ${call.path}`);
      }
    }
    expect(callProblems.slice(0, 20)).toEqual([]);
    for (const [index, user] of users.entries()) {
      // One call per page, each under the token whose operation asked for it.
      expect(dmCalls[index]!.sort(), user.token).toEqual(expectedDmCalls[index]!.sort());
      expect(userLookups[index], user.token).toBeLessThanOrEqual(allowedUserLookups[index]!);
      expect(meLookups[index], user.token).toBeLessThanOrEqual(allowedMeLookups[index]!);
    }
    expect(elapsed).toBeLessThan(30_000);
  }, 60_000);
});

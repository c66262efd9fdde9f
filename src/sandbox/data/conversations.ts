/**
 * Conversations and their DM events over the 30 days before "now".
 *
 * Event ids are snowflake-like: the event's offset in the 30-day window sits in the high bits, so ids grow strictly
 * with time, yet they do not depend on "now" (same seed, same ids; only created_at moves with the anchor).
 *
 * Who sees what: both people see a one-to-one conversation. In a group, a member sees the events from the moment they
 * joined; someone who left has lost the conversation from their inbox and sees none of it, as in X's apps.
 */
import type { DmEvent, Media, Tweet } from '../../x/wire.js';
import type { DemoConversation } from '../types.js';
import { oneToOneConversationId } from './ids.js';
import type { Random } from './prng.js';
import { TextBuilder, nonEmptyEntities } from './text.js';
import type { UserSkeleton } from './users.js';

export const WINDOW_MS = 30 * 86_400_000;
const EVENT_ID_BASE = 1_860_000_000_000_000_000n;

/** Members are those at the end of the window (who can list the conversation). */
export type Conversation = DemoConversation;

export interface GeneratedEvent {
  event: DmEvent;
  /** Milliseconds after the window's start. */
  offsetMs: number;
  /** Users who may see this event. */
  viewers: string[];
}

interface Draft {
  offsetMs: number;
  viewers: string[];
  body: Omit<DmEvent, 'id'>;
}

interface GroupPlan {
  creator: number;
  initial: number[];
  joiner: number;
  leaver: number;
  messages: number;
}

type MessageKind =
  | 'plain'
  | 'hashtag'
  | 'cashtag'
  | 'mention'
  | 'url'
  | 'photo'
  | 'video'
  | 'animated_gif'
  | 'tweet'
  | 'everything'
  | 'missing-tweet'
  | 'legacy-tweet'
  | 'card';

const CHAT = [
  'Morning! Coffee later?',
  'Did you push the fix?',
  'lol yes',
  'Running 5 min late',
  'Can you review my PR when you get a sec',
  'Ship it 🚢',
  'That demo went really well',
  'Who broke the build again 😅',
  'Lunch at the usual place?',
  'ok 👍',
  'Sending the notes now',
  'Let’s sync tomorrow at 10',
  'Haha that’s amazing',
  'I’ll take a look tonight',
  'Thanks!! 🙌',
  'Are we still on for Friday?',
  'The staging deploy is green ✅',
  'brb',
  'Good call',
  'Just landed ✈️',
];
const EMOJI = ['🎉', '🚀', '😂', '🔥', '👀', '✨', '🤔', '👩‍💻', '☕️'];
const TAGS = ['MondayMotivation', 'GraphQL', 'DevRel', 'OpenSource', 'TypeScript', 'ShipIt', 'API', 'BuildInPublic'];
const CASHTAGS = ['TWTR', 'TSLA', 'AAPL', 'NVDA', 'BTC', 'ETH', 'MSFT'];
const LINKS = [
  {
    expanded_url: 'https://developer.x.com/en/docs/x-api/direct-messages/lookup/introduction',
    title: 'Direct Messages lookup',
    description: 'Retrieve DM events with the X API v2.',
  },
  {
    expanded_url: 'https://twittercommunity.com/t/introducing-the-v2-follow-lookup-endpoints/147118',
    title: 'Introducing the v2 follow lookup endpoints',
    description: 'This is a description of the website.',
  },
  {
    expanded_url: 'https://graphql.org/learn/pagination/',
    title: 'Pagination | GraphQL',
    description: 'Different pagination models enable different client capabilities.',
  },
  {
    expanded_url: 'https://nodejs.org/api/http.html',
    title: 'HTTP | Node.js Documentation',
    description: 'To use the HTTP server and client one must import the node:http module.',
  },
];

export interface ConversationInput {
  users: readonly UserSkeleton[];
  tweets: readonly Tweet[];
  media: readonly Media[];
  missingTweetId: string;
  random: Random;
}

export function generateConversations(input: ConversationInput): {
  conversations: Conversation[];
  events: GeneratedEvent[];
} {
  const { users, random } = input;
  const taken = new Set<number>();
  // Distinct instants keep event ids strictly increasing with time.
  const drawOffsets = (count: number): number[] => {
    const out: number[] = [];
    while (out.length < count) {
      const offset = random.int(3_600_000, WINDOW_MS - 120_000);
      if (taken.has(offset)) continue;
      taken.add(offset);
      out.push(offset);
    }
    return out.sort((a, b) => a - b);
  };
  const messages = createMessageFactory(input);
  const conversations: Conversation[] = [];
  const drafts: Draft[] = [];

  const oneToOne = (a: number, b: number, count: number, showcase: MessageKind[] = []): void => {
    const ua = users[a]!;
    const ub = users[b]!;
    const id = oneToOneConversationId(ua.id, ub.id);
    conversations.push({ id, participantIds: [ua.id, ub.id], group: false });
    const offsets = drawOffsets(count);
    // Showcase messages sit at fixed spots from the newest end, so first pages of the main user show them.
    const kinds = offsets.map((_, i) => showcase[offsets.length - 1 - i] ?? messages.randomKind());
    offsets.forEach((offsetMs, i) => {
      const sender = random.chance(0.5) ? ua : ub;
      const kind = kinds[i]!;
      drafts.push({
        offsetMs,
        viewers: [ua.id, ub.id],
        body: {
          event_type: 'MessageCreate',
          dm_conversation_id: id,
          sender_id: sender.id,
          ...messages.make(kind, sender),
        },
      });
    });
  };

  const group = (plan: GroupPlan): void => {
    const id = random.bigint(1_500_000_000_000_000_000n, 1_799_999_999_999_999_999n).toString();
    const offsets = drawOffsets(plan.messages + 3);
    const creationAt = offsets[0]!;
    const joinAt = offsets[Math.floor(offsets.length * 0.45)]!;
    const leaveAt = offsets[Math.floor(offsets.length * 0.7)]!;
    const joinedAt = new Map<number, number>(plan.initial.map((m) => [m, creationAt]));
    joinedAt.set(plan.joiner, joinAt);
    const finalMembers = [...plan.initial.filter((m) => m !== plan.leaver), plan.joiner];
    conversations.push({ id, participantIds: finalMembers.map((m) => users[m]!.id), group: true });
    const viewersAt = (offset: number): string[] =>
      finalMembers.filter((m) => joinedAt.get(m)! <= offset).map((m) => users[m]!.id);
    const membersAt = (offset: number): number[] => [
      ...plan.initial.filter((m) => m !== plan.leaver || offset < leaveAt),
      ...(offset >= joinAt ? [plan.joiner] : []),
    ];
    for (const offsetMs of offsets) {
      const viewers = viewersAt(offsetMs);
      if (offsetMs === creationAt) {
        const creator = users[plan.creator]!;
        const others = plan.initial.filter((m) => m !== plan.creator).map((m) => users[m]!.id);
        drafts.push({
          offsetMs,
          viewers,
          body: {
            event_type: 'ParticipantsJoin',
            dm_conversation_id: id,
            sender_id: creator.id,
            participant_ids: others,
          },
        });
      } else if (offsetMs === joinAt) {
        const by = users[random.pick(membersAt(offsetMs - 1))]!;
        drafts.push({
          offsetMs,
          viewers,
          body: {
            event_type: 'ParticipantsJoin',
            dm_conversation_id: id,
            sender_id: by.id,
            participant_ids: [users[plan.joiner]!.id],
          },
        });
      } else if (offsetMs === leaveAt) {
        drafts.push({
          offsetMs,
          viewers,
          body: { event_type: 'ParticipantsLeave', dm_conversation_id: id, participant_ids: [users[plan.leaver]!.id] },
        });
      } else {
        const sender = users[random.pick(membersAt(offsetMs))]!;
        const kind = messages.randomKind();
        drafts.push({
          offsetMs,
          viewers,
          body: {
            event_type: 'MessageCreate',
            dm_conversation_id: id,
            sender_id: sender.id,
            ...messages.make(kind, sender),
          },
        });
      }
    }
  };

  // The main user (0) talks with users 1..10; the showcase conversation with user 1 carries one message of each
  // special kind among its newest ones.
  oneToOne(0, 1, 18, [
    'everything',
    'photo',
    'legacy-tweet',
    'video',
    'missing-tweet',
    'animated_gif',
    'card',
    'mention',
    'url',
    'cashtag',
    'hashtag',
    'tweet',
  ]);
  for (let u = 2; u <= 10; u++) oneToOne(0, u, random.int(9, 14));
  // Everyone else talks in a ring, so every token sees one-to-one conversations of its own.
  for (let u = 1; u < users.length; u++) oneToOne(u, u === users.length - 1 ? 1 : u + 1, random.int(6, 11));
  group({ creator: 0, initial: [0, 1, 2, 3, 11], joiner: 12, leaver: 3, messages: 34 });
  group({ creator: 5, initial: [5, 0, 6, 14, 15], joiner: 16, leaver: 14, messages: 28 });
  group({ creator: 17, initial: [17, 18, 19, 20], joiner: 21, leaver: 18, messages: 22 });

  drafts.sort((a, b) => a.offsetMs - b.offsetMs);
  const events = drafts.map(({ offsetMs, viewers, body }): GeneratedEvent => {
    // The offset in the high bits orders ids by time; the low 22 bits play the worker/sequence part.
    const id = (EVENT_ID_BASE + (BigInt(offsetMs) << 22n) + random.bigint(0n, (1n << 22n) - 1n)).toString();
    return { offsetMs, viewers, event: { id, ...body } };
  });
  return { conversations, events };
}

/** Makes message bodies of each kind: text with correct entity offsets, attachments, referenced tweets. */
function createMessageFactory({ users, tweets, media, missingTweetId, random }: ConversationInput) {
  const byType = (type: string) => media.filter((m) => m.type === type);
  const photos = byType('photo');
  const videos = byType('video');
  const gifs = byType('animated_gif');
  const authorOf = (tweet: Tweet) => users.find((u) => u.id === tweet.author_id)!;
  const KINDS: [MessageKind, number][] = [
    ['plain', 40],
    ['hashtag', 10],
    ['cashtag', 6],
    ['mention', 9],
    ['url', 9],
    ['photo', 6],
    ['video', 3],
    ['animated_gif', 3],
    ['tweet', 7],
    ['everything', 5],
    ['card', 2],
  ];
  const total = KINDS.reduce((n, [, w]) => n + w, 0);

  const tweetMessage = (tweetId: string, author: UserSkeleton, lead: string) => {
    const built = new TextBuilder(random)
      .plain(lead)
      .url({
        expanded_url: `https://x.com/${author.username}/status/${tweetId}`,
        title: `${author.name} on X`,
        description: 'A post on X',
      })
      .build();
    return { text: built.text, ...nonEmptyEntities(built.entities), referenced_tweets: [{ id: tweetId }] };
  };

  return {
    randomKind(): MessageKind {
      let roll = random.next() * total;
      for (const [kind, weight] of KINDS) if ((roll -= weight) < 0) return kind;
      return 'plain';
    },
    make(kind: MessageKind, sender: UserSkeleton): Omit<DmEvent, 'id' | 'event_type'> {
      const other = () => random.pick(users.filter((u) => u.id !== sender.id));
      const b = new TextBuilder(random);
      switch (kind) {
        case 'plain':
          return { text: random.pick(CHAT) };
        case 'hashtag':
          b.plain(`${random.pick(EMOJI)} Happy `)
            .hashtag(random.pick(TAGS))
            .plain(random.chance(0.5) ? ' everyone' : ' 💪');
          break;
        case 'cashtag':
          b.plain('Thinking about ')
            .cashtag(random.pick(CASHTAGS))
            .plain(` before earnings ${random.pick(EMOJI)}`);
          break;
        case 'mention':
          b.plain('Ask ')
            .mention(other())
            .plain(` about it ${random.pick(EMOJI)}`);
          break;
        case 'url':
          b.plain(`${random.pick(EMOJI)} worth a read: `).url(random.pick(LINKS));
          break;
        case 'everything':
          // Emoji before every entity: code-point and UTF-16 offsets differ from the first one on.
          b.plain('👩‍💻 ')
            .hashtag(random.pick(TAGS))
            .plain(' 🎉 ')
            .cashtag(random.pick(CASHTAGS))
            .plain(' cc ')
            .mention(other())
            .plain(' 🔥 see ')
            .url(random.pick(LINKS));
          break;
        case 'photo':
        case 'video':
        case 'animated_gif': {
          const pool = kind === 'photo' ? photos : kind === 'video' ? videos : gifs;
          const caption = kind === 'photo' ? '📷 from today' : kind === 'video' ? '🎬 watch this' : 'mood';
          return { text: caption, attachments: { media_keys: [random.pick(pool).media_key!] } };
        }
        case 'card':
          return {
            text: 'Here is the link preview',
            attachments: {
              card_ids: [random.bigint(1_700_000_000_000_000_000n, 1_799_999_999_999_999_999n).toString()],
            },
          };
        case 'tweet': {
          const tweet = random.pick(tweets);
          return tweetMessage(tweet.id!, authorOf(tweet), 'Have you seen this? ');
        }
        case 'legacy-tweet':
          return tweetMessage(tweets[0]!.id!, authorOf(tweets[0]!), 'Throwback 👉 ');
        case 'missing-tweet':
          // The tweet was deleted since: the link stays, the expansion reports it missing.
          return tweetMessage(missingTweetId, other(), 'This one got deleted I think: ');
      }
      const built = b.build();
      return { text: built.text, ...nonEmptyEntities(built.entities) };
    },
  };
}

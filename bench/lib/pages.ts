/**
 * The pages the benchmark's fixed upstream serves: X-shaped answers of `GET /2/dm_events` with 1, 10 and 100 events,
 * built from the sandbox's demo data (`createSandbox().data`), so every arm reads the same realistic bytes.
 *
 * Every expansion is filled on purpose (the gateway's worst case per event): each message carries its text with
 * entities, an attached media object and a referenced post; pages of 10 and more also hold a ParticipantsJoin event
 * (with `participant_ids`). `includes` carries every sender, participant, medium and post with every field X has for
 * them: the arm-C operation asks for all of them (see `operations/everything.graphql`).
 *
 * Left out of the pages: the demo post with X's legacy `Wed Jan 06 ...` date and the demo reference to a deleted post.
 * Both are real X behaviour the gateway handles, but they make GraphQL Mesh (arm D) answer with errors, and the arms
 * must answer the same data.
 *
 * Deterministic: the same seed and `now` every run, so the same bytes.
 */
import { canonicalEvent } from '../../src/sandbox/data/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import type { DmEvent, DmEventsPage, Includes, Media, Problem, Tweet, User } from '../../src/x/wire.js';

export const PAGE_SIZES = [1, 10, 100] as const;
export type PageSize = number;

/** The bearer token every arm forwards. The fixed upstream checks only that one is there. */
export const BENCH_AUTHORIZATION = 'Bearer bench-token-0123456789';

const SEED = 42;
/** The demo data's "now": the pages' events are from the 30 days before it (the memory's window, arm F's clock). */
export const BENCH_NOW = new Date('2025-06-02T12:00:00.000Z');
const NOW = BENCH_NOW;
/** 24 base32 characters, like X's (and the sandbox's) page tokens. */
const NEXT_TOKEN = '1CEHQMPE6ZV5MDE6XTUHMP3K';

export interface BenchPage {
  readonly size: number;
  readonly body: DmEventsPage;
  /** The body as served: one precomputed Buffer. */
  readonly bytes: Buffer;
  /** The page's event ids, in order. */
  readonly eventIds: readonly string[];
  /** The X user whose DMs the pages are (what `GET /2/users/me` names for the bench token). */
  readonly viewer: { readonly id: string; readonly name: string; readonly username: string };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T/;

function hasEntities(event: DmEvent): boolean {
  return Boolean(event.hashtags?.length || event.cashtags?.length || event.mentions?.length || event.urls?.length);
}

function demoData() {
  const sandbox = createSandbox({ seed: SEED, now: NOW, mainToken: 'bench-sandbox-token' });
  const { data } = sandbox;
  const users = new Map(data.users.map((u) => [u.id, u]));
  const media = new Map(data.media.map((m) => [m.media_key!, m]));
  const usableTweets = data.tweets.filter((t) => t.id !== data.missingTweetId && RFC3339.test(t.created_at ?? ''));
  const tweets = new Map(usableTweets.map((t) => [t.id!, t]));
  return { sandbox, users, media, usableTweets, tweets };
}

/** Builds the pages of the given sizes (largest first is cheapest, but any order works). */
export function buildPages(sizes: readonly number[] = PAGE_SIZES): Map<number, BenchPage> {
  const { sandbox, users, media, usableTweets, tweets } = demoData();

  const visible = sandbox.visibleEvents(sandbox.users[0]!.id);
  const messages = visible.filter((e) => e.event_type === 'MessageCreate');
  const participantEvents = visible.filter((e) => e.event_type !== 'MessageCreate');
  const donors = messages.filter(hasEntities);
  const refsUsable = (e: DmEvent) => (e.referenced_tweets ?? []).every((r) => tweets.has(r.id));
  const rich =
    messages.find(
      (e) => e.attachments?.media_keys?.length && e.referenced_tweets?.length && hasEntities(e) && refsUsable(e),
    ) ?? messages[0]!;
  const firstParticipants = participantEvents.find((e) => e.event_type === 'ParticipantsJoin') ?? participantEvents[0];
  const ordered: DmEvent[] = [rich, ...(firstParticipants ? [firstParticipants] : [])];
  for (const e of visible) if (e !== rich && e !== firstParticipants) ordered.push(e);

  // Every page set is built from the same 100 events at least, so a page's bytes do not depend on which sizes are built.
  const maxSize = Math.max(...PAGE_SIZES, ...sizes);
  if (maxSize > ordered.length)
    throw new Error(`The demo data holds ${ordered.length} events; a page of ${maxSize} was asked for`);

  const mediaList = [...media.values()];
  const enriched = ordered.slice(0, maxSize).map((event, i) => {
    if (event.event_type !== 'MessageCreate') return { ...event };
    const out: DmEvent = { ...event };
    if (!hasEntities(out)) {
      const donor = donors[i % donors.length]!;
      out.text = donor.text;
      for (const key of ['hashtags', 'cashtags', 'mentions', 'urls'] as const) {
        if (donor[key]) (out as Record<string, unknown>)[key] = donor[key];
      }
    }
    if (!out.attachments?.media_keys?.length)
      out.attachments = { media_keys: [mediaList[i % mediaList.length]!.media_key!] };
    if (!out.referenced_tweets?.length || !refsUsable(out)) {
      out.referenced_tweets = [{ id: usableTweets[i % usableTweets.length]!.id! }];
    }
    return canonicalEvent(out);
  });

  // X's page of n events is the first n of its page of 100 (the memory reads 100 first and serves the first n): the
  // events keep their places above (the rich one first, a ParticipantsJoin in the page of 10), and take the ids and
  // dates of the same events sorted newest first, so every page is a prefix of the larger ones.
  const byAge = enriched
    .map((event) => ({ id: event.id, created_at: event.created_at }))
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0));
  enriched.forEach((event, i) => {
    event.id = byAge[i]!.id;
    if (byAge[i]!.created_at !== undefined) event.created_at = byAge[i]!.created_at;
  });

  const me = sandbox.users[0]!;
  const viewer = {
    id: me.id,
    name: users.get(me.id)?.name ?? 'viewer',
    username: users.get(me.id)?.username ?? 'viewer',
  };
  const pages = new Map<number, BenchPage>();
  for (const size of sizes) {
    // Newest first, as X answers.
    const events = enriched.slice(0, size);
    const includes = includesOf(events, users, media, tweets);
    const body: DmEventsPage = {
      data: events,
      includes,
      meta: { result_count: events.length, next_token: NEXT_TOKEN },
    };
    pages.set(size, {
      size,
      body,
      bytes: Buffer.from(JSON.stringify(body)),
      eventIds: events.map((e) => e.id),
      viewer,
    });
  }
  return pages;
}

/** `includes` as X builds it: each object once, in order of first reference. */
function includesOf(
  events: readonly DmEvent[],
  users: ReadonlyMap<string, User>,
  media: ReadonlyMap<string, Media>,
  tweets: ReadonlyMap<string, Tweet>,
): Includes {
  const u = new Map<string, User>();
  const m = new Map<string, Media>();
  const t = new Map<string, Tweet>();
  const addUser = (id: string | undefined) => {
    const user = id === undefined ? undefined : users.get(id);
    if (user && !u.has(user.id)) u.set(user.id, user);
  };
  for (const event of events) {
    addUser(event.sender_id);
    for (const id of event.participant_ids ?? []) addUser(id);
    for (const key of event.attachments?.media_keys ?? []) {
      const item = media.get(key);
      if (item && !m.has(key)) m.set(key, item);
    }
    for (const ref of event.referenced_tweets ?? []) {
      const tweet = tweets.get(ref.id);
      if (tweet && !t.has(ref.id)) t.set(ref.id, tweet);
    }
  }
  const includes: Includes = {};
  if (u.size) includes.users = [...u.values()];
  if (m.size) includes.media = [...m.values()];
  if (t.size) includes.tweets = [...t.values()];
  return includes;
}

/** The page served for a `max_results`: the largest page not above it, else the smallest. */
export function pageFor<T extends { size: number }>(pages: readonly T[], maxResults: number): T {
  let best: T | undefined;
  for (const page of pages) if (page.size <= maxResults && (!best || page.size > best.size)) best = page;
  return best ?? pages.reduce((a, b) => (a.size <= b.size ? a : b));
}

/** The fields X returns on every object of a lookup, asked for or not. */
const DEFAULT_FIELDS = { users: ['id', 'name', 'username'], tweets: ['id', 'text', 'edit_history_tweet_ids'] } as const;

export type LookupKind = keyof typeof DEFAULT_FIELDS;

/** An answer of X's users or posts lookup by ids (`GET /2/users?ids=`, `GET /2/tweets?ids=`). */
export interface LookupAnswer {
  data?: Record<string, unknown>[];
  errors?: Problem[];
}

/**
 * X's lookups by ids over the same demo data as the pages (every user, and every post the pages may reference):
 * `answer` builds the body X gives `GET /2/users?ids=` or `GET /2/tweets?ids=` for a query string, the objects in the
 * order of `ids` with the asked `*.fields` (and the fields X always returns), a resource-not-found problem per unknown
 * id. Expansions are not filled: the gateway asks for none on these calls.
 */
export function buildLookups(): {
  readonly users: ReadonlyMap<string, User>;
  readonly tweets: ReadonlyMap<string, Tweet>;
  answer(kind: LookupKind, query: URLSearchParams): LookupAnswer;
} {
  const { users, tweets } = demoData();
  const answer = (kind: LookupKind, query: URLSearchParams): LookupAnswer => {
    const objects: ReadonlyMap<string, object> = kind === 'users' ? users : tweets;
    const param = kind === 'users' ? 'user.fields' : 'tweet.fields';
    const fields = new Set<string>([...DEFAULT_FIELDS[kind], ...(query.get(param)?.split(',') ?? [])]);
    const data: Record<string, unknown>[] = [];
    const errors: Problem[] = [];
    for (const id of query.get('ids')?.split(',') ?? []) {
      const found = objects.get(id) as Record<string, unknown> | undefined;
      if (!found) {
        const resource = kind === 'users' ? 'user' : 'tweet';
        errors.push({
          type: 'https://api.twitter.com/2/problems/resource-not-found',
          title: 'Not Found Error',
          detail: `Could not find ${resource} with ids: [${id}].`,
          resource_type: resource,
          resource_id: id,
          parameter: 'ids',
          value: id,
        });
        continue;
      }
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(found)) if (fields.has(key)) out[key] = value;
      data.push(out);
    }
    return { ...(data.length > 0 && { data }), ...(errors.length > 0 && { errors }) };
  };
  return { users, tweets, answer };
}

/**
 * The six arms and the two cases: what each arm is asked (the same page of DM events, at each page size), and how its
 * answer is checked.
 *
 * - `everything`: every field one `GET /2/dm_events` can carry (`operations/everything.graphql`), one call to X; all
 *   six arms.
 * - `app`: what a DM client shows (`operations/app.graphql`): profiles, media, referenced posts with their authors.
 *   The authors X does not expand on a DM page take a users lookup by ids, so it is more than one call to X; arms C,
 *   E and F.
 */
import { readFileSync } from 'node:fs';
import type { DmEvent, Includes } from '../../src/x/wire.js';
import { BENCH_AUTHORIZATION, type BenchPage } from './pages.js';
import type { LoadRequest } from './load.js';

export type ArmId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export const ALL_ARMS = 'ABCDEF';

export const ARM_NAMES: Record<ArmId, string> = {
  A: 'upstream direct',
  B: 'undici pass-through proxy',
  C: 'gateway',
  D: 'GraphQL Mesh',
  E: 'reference yoga + graphql-jit',
  F: 'gateway from memory',
};

/** The arms that answer the arm-C operation of a case: their `data` must equal arm C's. */
export const GATEWAY_SHAPED: readonly ArmId[] = ['C', 'E', 'F'];

export type CaseName = 'everything' | 'app';
export const ALL_CASES: readonly CaseName[] = ['everything', 'app'];

/** The arms each case runs. */
export const CASE_ARMS: Record<CaseName, readonly ArmId[]> = {
  everything: ['A', 'B', 'C', 'D', 'E', 'F'],
  app: ['C', 'E', 'F'],
};

const operation = (file: string) => readFileSync(new URL(`../operations/${file}`, import.meta.url), 'utf8');

/** Each case's GraphQL operation, which arms C, E and F answer, and its name. */
export const OPERATIONS: Record<CaseName, { readonly name: string; readonly text: string }> = {
  everything: { name: 'Everything', text: operation('everything.graphql') },
  app: { name: 'App', text: operation('app.graphql') },
};

/** The `everything` case's operation: every field one `GET /2/dm_events` can carry. */
export const GATEWAY_OPERATION = OPERATIONS.everything.text;

/** X's parameters for a page with everything (what arm C's gateway asks for, plus `id`s; the upstream ignores them). */
export const EVERYTHING_PARAMS: Readonly<Record<string, string>> = {
  'dm_event.fields':
    'attachments,created_at,dm_conversation_id,entities,event_type,id,participant_ids,referenced_tweets,sender_id,text',
  expansions: 'attachments.media_keys,participant_ids,referenced_tweets.id,sender_id',
  'media.fields':
    'alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,promoted_metrics,public_metrics,type,url,variants,width',
  'user.fields':
    'affiliation,confirmed_email,connection_status,created_at,description,entities,id,is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,subscription_type,url,username,verified,verified_followers_count,verified_type,withheld',
  'tweet.fields':
    'article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,media_metadata,non_public_metrics,note_tweet,organic_metrics,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,source,suggested_source_links,suggested_source_links_with_counts,text,withheld',
};
const REST_QUERY = new URLSearchParams(EVERYTHING_PARAMS).toString();

const GRAPHQL_HEADERS = {
  authorization: BENCH_AUTHORIZATION,
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
};

/**
 * The request arm `arm` is loaded with for a page of `size` events in case `benchCase`. `meshOperation` is arm D's
 * (from its child).
 */
export function requestFor(
  arm: ArmId,
  size: number,
  meshOperation?: string,
  benchCase: CaseName = 'everything',
): LoadRequest {
  if (!CASE_ARMS[benchCase].includes(arm)) throw new Error(`Arm ${arm} does not run the ${benchCase} case`);
  switch (arm) {
    case 'A':
    case 'B':
      return {
        method: 'GET',
        path: `/2/dm_events?max_results=${size}&${REST_QUERY}`,
        headers: { authorization: BENCH_AUTHORIZATION, accept: 'application/json' },
      };
    case 'C':
    case 'E':
    case 'F':
      return {
        method: 'POST',
        path: '/graphql',
        headers: GRAPHQL_HEADERS,
        body: JSON.stringify({
          query: OPERATIONS[benchCase].text,
          operationName: OPERATIONS[benchCase].name,
          variables: { first: size },
        }),
      };
    case 'D':
      if (!meshOperation) throw new Error('Arm D needs the operation its Mesh child wrote');
      return {
        method: 'POST',
        path: '/graphql',
        headers: GRAPHQL_HEADERS,
        body: JSON.stringify({ query: meshOperation, operationName: 'Everything', variables: { max_results: size } }),
      };
  }
}

type Json = Record<string, unknown>;

function fail(arm: ArmId, size: number, why: string): never {
  throw new Error(`Arm ${arm} (${ARM_NAMES[arm]}), ${size} events: ${why}`);
}

function sameIds(actual: readonly unknown[], expected: readonly string[]): boolean {
  return actual.length === expected.length && actual.every((id, i) => id === expected[i]);
}

/** X's lookups by ids (at most this many ids a call). */
const LOOKUP_BATCH = 100;

/**
 * What X must be asked beyond a DM page to show its referenced posts with their authors: the posts missing from the
 * page's `includes.tweets`, and the authors (of the posts the page holds) missing from its `includes.users`.
 */
export function lookupsNeeded(
  events: readonly DmEvent[],
  includes: Includes | undefined,
): { readonly users: readonly string[]; readonly tweets: readonly string[] } {
  const users = new Set((includes?.users ?? []).map((u) => u.id));
  const tweets = new Map((includes?.tweets ?? []).map((t) => [t.id, t]));
  const missingUsers = new Set<string>();
  const missingTweets = new Set<string>();
  for (const event of events) {
    for (const ref of event.referenced_tweets ?? []) {
      const tweet = tweets.get(ref.id);
      if (!tweet) missingTweets.add(ref.id);
      else if (tweet.author_id !== undefined && !users.has(tweet.author_id)) missingUsers.add(tweet.author_id);
    }
  }
  return { users: [...missingUsers], tweets: [...missingTweets] };
}

/**
 * The calls to X, by path, that one operation of arm `arm` in case `benchCase` must cost on `page`, once warm: one
 * `GET /2/dm_events`, and in the app case a users lookup (and a posts lookup) per 100 ids `lookupsNeeded` finds.
 * Arm F answers from its memory: no call. The bench asserts these exactly.
 */
export function expectedCalls(benchCase: CaseName, arm: ArmId, page: BenchPage): Record<string, number> {
  if (arm === 'F') return {};
  const calls: Record<string, number> = { '/2/dm_events': 1 };
  return benchCase === 'app' ? withLookups(calls, page, page) : calls;
}

/** `calls` and the lookups `page`'s answer needs beyond what `known`'s includes carry, a call per 100 ids. */
function withLookups(calls: Record<string, number>, page: BenchPage, known: BenchPage): Record<string, number> {
  const needed = lookupsNeeded(page.body.data ?? [], known.body.includes);
  if (needed.users.length) calls['/2/users'] = Math.ceil(needed.users.length / LOOKUP_BATCH);
  if (needed.tweets.length) calls['/2/tweets'] = Math.ceil(needed.tweets.length / LOOKUP_BATCH);
  return calls;
}

/**
 * Arm F's first operation, the one that fills its memory: who the token is (`GET /2/users/me`), X's page of
 * `memoryPage` (the memory reads a full page of 100), and in the app case the lookups `page`'s answer needs that
 * the memory's page did not carry.
 */
export function expectedColdCallsOfF(
  benchCase: CaseName,
  page: BenchPage,
  memoryPage: BenchPage,
): Record<string, number> {
  const calls: Record<string, number> = { '/2/users/me': 1, '/2/dm_events': 1 };
  return benchCase === 'app' ? withLookups(calls, page, memoryPage) : calls;
}

/**
 * Checks an arm's answer to `requestFor(arm, page.size, _, benchCase)`: status 200, the expected shape, and the
 * page's events in order with their sender, media, referenced posts and entities (in the app case, the posts'
 * authors). Throws with the reason when it is wrong.
 */
export function verifyAnswer(
  arm: ArmId,
  page: BenchPage,
  status: number,
  text: string,
  benchCase: CaseName = 'everything',
): void {
  const size = page.size;
  if (status !== 200) fail(arm, size, `status ${status}: ${text.slice(0, 300)}`);
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    fail(arm, size, `the answer is not JSON: ${text.slice(0, 200)}`);
  }
  if (arm === 'A' || arm === 'B') {
    if (text !== page.bytes.toString('utf8')) fail(arm, size, 'the body differs from the upstream page');
    return;
  }
  if (body.errors) fail(arm, size, `errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
  const data = body.data as Json | undefined;
  if (arm === 'D') verifyMesh(page, data);
  else if (benchCase === 'app') verifyApp(arm, page, data);
  else verifyGateway(arm, page, data);
}

/**
 * An answer's `data` as a string to compare arms C, E and F by: cursors are each server's own opaque strings (the
 * gateway signs them with a per-process secret, from memory they name an event id), so they become `"*"`; everything
 * else must be equal, key order included. `extensions` (the memory's `freshness`) are left out.
 */
export function comparableData(text: string): string {
  const data = (JSON.parse(text) as Json).data as Json | undefined;
  const connection = data?.dmEvents as { edges?: { cursor?: unknown }[]; pageInfo?: Json } | undefined;
  for (const edge of connection?.edges ?? []) if (edge.cursor !== undefined) edge.cursor = '*';
  const info = connection?.pageInfo;
  if (info?.startCursor) info.startCursor = '*';
  if (info?.endCursor) info.endCursor = '*';
  return JSON.stringify(data);
}

/** The first path where two JSON strings differ, for the error message. */
export function firstDifference(a: string, b: string): string {
  const walk = (x: unknown, y: unknown, path: string): string | undefined => {
    if (JSON.stringify(x) === JSON.stringify(y)) return undefined;
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
        const found = walk((x as Json)[key], (y as Json)[key], `${path}.${key}`);
        if (found) return found;
      }
      return `${path} (key order)`;
    }
    return `${path}: ${JSON.stringify(x)?.slice(0, 120)} vs ${JSON.stringify(y)?.slice(0, 120)}`;
  };
  return walk(JSON.parse(a), JSON.parse(b), 'data') ?? 'none';
}

/** The page's nodes from a gateway's answer: its events in order, each edge with a cursor, and a next page. */
function pageNodes(arm: ArmId, page: BenchPage, data: Json | undefined): Json[] {
  const connection = data?.dmEvents as { edges?: { cursor?: string; node?: Json }[]; pageInfo?: Json } | undefined;
  const edges = connection?.edges;
  if (!Array.isArray(edges)) fail(arm, page.size, 'no dmEvents.edges');
  const nodes = edges.map((edge) => edge.node ?? {});
  if (
    !sameIds(
      nodes.map((n) => n.restId),
      page.eventIds,
    )
  )
    fail(arm, page.size, "the events are not the page's");
  if (edges.some((edge) => typeof edge.cursor !== 'string')) fail(arm, page.size, 'an edge has no cursor');
  if (connection?.pageInfo?.hasNextPage !== true) fail(arm, page.size, 'pageInfo.hasNextPage is not true');
  return nodes;
}

/** An event's participants, media and referenced posts, checked by id against X's event; its media and posts. */
function linksOf(arm: ArmId, page: BenchPage, event: DmEvent, node: Json): { media: Json[]; posts: Json[] } {
  const where = `event ${event.id}`;
  const participants = (node.participants as Json[] | null) ?? [];
  if (
    !sameIds(
      participants.map((p) => p.restId),
      event.participant_ids ?? [],
    )
  )
    fail(arm, page.size, `${where}: participants`);
  const media = ((node.attachments as Json | null)?.media as Json[] | undefined) ?? [];
  if (
    !sameIds(
      media.map((m) => m.mediaKey),
      event.attachments?.media_keys ?? [],
    )
  )
    fail(arm, page.size, `${where}: media`);
  const posts = (node.referencedTweets as Json[] | null) ?? [];
  if (
    !sameIds(
      posts.map((t) => t.restId),
      (event.referenced_tweets ?? []).map((r) => r.id),
    )
  )
    fail(arm, page.size, `${where}: referenced posts`);
  return { media, posts };
}

function verifyGateway(arm: ArmId, page: BenchPage, data: Json | undefined): void {
  const nodes = pageNodes(arm, page, data);
  const events = page.body.data ?? [];
  events.forEach((event, i) => {
    const node = nodes[i]!;
    const where = `event ${event.id}`;
    if (event.sender_id !== undefined && (node.sender as Json | null)?.restId !== event.sender_id)
      fail(arm, page.size, `${where}: sender`);
    if (event.sender_id !== undefined && typeof (node.sender as Json).username !== 'string')
      fail(arm, page.size, `${where}: sender.username`);
    const { posts: tweets } = linksOf(arm, page, event, node);
    if (tweets.some((t) => typeof t.text !== 'string'))
      fail(arm, page.size, `${where}: a referenced tweet without text`);
    const entities = node.entities as Json | null;
    for (const key of ['hashtags', 'cashtags', 'mentions', 'urls'] as const) {
      const expected = event[key]?.length ?? 0;
      const actual = (entities?.[key] as unknown[] | undefined)?.length ?? 0;
      if (actual !== expected) fail(arm, page.size, `${where}: ${key}`);
    }
    if (event.text !== undefined && node.text !== event.text) fail(arm, page.size, `${where}: text`);
  });
}

function verifyMesh(page: BenchPage, data: Json | undefined): void {
  const answer = data?.getDirectMessagesEvents as Json | undefined;
  if (answer?.__typename !== 'Get2DmEventsResponse')
    fail('D', page.size, `answered ${JSON.stringify(answer).slice(0, 300)}`);
  const events = (answer.data as Json[] | undefined) ?? [];
  if (
    !sameIds(
      events.map((e) => e.id),
      page.eventIds,
    )
  )
    fail('D', page.size, "the events are not the page's");
  const includes = answer.includes as Json | undefined;
  for (const key of ['users', 'media', 'tweets'] as const) {
    const expected = page.body.includes?.[key]?.length ?? 0;
    const actual = (includes?.[key] as unknown[] | undefined)?.length ?? 0;
    if (actual !== expected) fail('D', page.size, `includes.${key}: ${actual} of ${expected}`);
  }
}

/** The app case: the page's events in order, each with its sender's profile, media, and posts with their authors. */
function verifyApp(arm: ArmId, page: BenchPage, data: Json | undefined): void {
  const nodes = pageNodes(arm, page, data);
  const tweets = new Map((page.body.includes?.tweets ?? []).map((t) => [t.id, t]));
  (page.body.data ?? []).forEach((event, i) => {
    const node = nodes[i]!;
    const where = `event ${event.id}`;
    const sender = node.sender as Json | null;
    if (event.sender_id !== undefined) {
      if (sender?.restId !== event.sender_id) fail(arm, page.size, `${where}: sender`);
      if (typeof sender.username !== 'string' || typeof sender.profileImageUrl !== 'string')
        fail(arm, page.size, `${where}: the sender's profile`);
      if (typeof (sender.publicMetrics as Json | null)?.followersCount !== 'number')
        fail(arm, page.size, `${where}: the sender's public metrics`);
    }
    const { media, posts } = linksOf(arm, page, event, node);
    if (media.some((m) => typeof m.type !== 'string')) fail(arm, page.size, `${where}: a medium without its type`);
    const refs = event.referenced_tweets ?? [];
    posts.forEach((post, j) => {
      const authorId = tweets.get(refs[j]!.id)?.author_id;
      const author = post.author as Json | null;
      if (typeof post.text !== 'string') fail(arm, page.size, `${where}: a referenced post without text`);
      if (authorId !== undefined && (author?.restId !== authorId || typeof author.username !== 'string'))
        fail(arm, page.size, `${where}: the author of post ${refs[j]!.id}`);
    });
    if (event.text !== undefined && node.text !== event.text) fail(arm, page.size, `${where}: text`);
  });
}

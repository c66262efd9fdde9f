/**
 * What each endpoint answers once a request has passed auth, rate limits and validation: pages, single objects and
 * lookups, with field selection, includes and partial errors. Pure: no HTTP here.
 *
 * One engine serves both dialects: the request's selection is read into the names the demo data is kept in
 * (`Selector`, through `dialect.readSelection`), the answer is built in those names, and `dialect.writeAnswer` writes
 * it in the dialect's at the end (`speech.ts`).
 */
import type { SandboxDialect } from './speech.js';
import type { RootKind } from '../x/params.js';
import type { DmEvent, DmEventsPage, Problem } from '../x/wire.js';
import { oneToOneConversationId } from './data/ids.js';
import { listScope, paginate } from './paging.js';
import {
  expandEvents,
  expandTweets,
  expandUsers,
  IncludesBuilder,
  notFound,
  notFoundDetail,
  Selector,
} from './select.js';
import type { DemoStore } from './store.js';
import type { EntityShape, StoredTweet, StoredUser } from './types.js';
import { foreignToken, type ReadEndpointName, type ValidRequest } from './validate.js';

export interface Answer {
  status: number;
  body: unknown;
}

/** What answering depends on besides the request: the data, and how the sandbox speaks. */
export interface Speech {
  store: DemoStore;
  dialect: SandboxDialect;
  shape: EntityShape;
}

interface Context extends Speech {
  request: ValidRequest;
  user: StoredUser;
  select: Selector;
}

/** The answer to a valid request for `root` objects, in the dialect's names. */
export function answerRequest(
  speech: Speech,
  root: RootKind,
  endpoint: ReadEndpointName,
  values: readonly string[],
  user: StoredUser,
  request: ValidRequest,
): Answer {
  const ctx: Context = { ...speech, request, user, select: new Selector(speech.dialect, root, request.selection) };
  const answer = answerCanonically(ctx, endpoint, values);
  if (answer.status !== 200) return answer;
  const body = speech.dialect.writeAnswer(root, answer.body as { errors?: Problem[] });
  // X writes a not-found detail from the problem's own names, which the dialect may just have renamed.
  for (const problem of body.errors ?? []) {
    if (problem.resource_type && problem.parameter && problem.resource_id)
      problem.detail = notFoundDetail(problem.resource_type, problem.parameter, problem.resource_id);
  }
  return { status: 200, body };
}

/** The answer in the names the demo data is kept in (spec 2.159's). */
function answerCanonically(ctx: Context, endpoint: ReadEndpointName, values: readonly string[]): Answer {
  const { store, request, user, select } = ctx;
  const [value = ''] = values;
  switch (endpoint) {
    case 'dmEvents':
      return page(ctx, undefined);
    case 'conversationEvents':
      return page(ctx, value);
    case 'participantEvents':
      // Someone the user never talked to (or the user themself) names a conversation that does not exist: empty.
      return page(ctx, oneToOneConversationId(user.id, value));
    case 'dmEvent': {
      // An event the user may not see answers exactly as one that does not exist.
      const event = store.eventFor(user.id, value);
      if (!event) return ok({ errors: [notFound('dm_event', 'event_id', value)] });
      return ok(events(ctx, [event], true));
    }
    case 'me':
      return ok(users(ctx, [user], [], true));
    case 'user':
    case 'users': {
      const single = endpoint === 'user';
      const ids = single ? [value] : request.ids!;
      const found = ids.flatMap((id) => store.users.get(id) ?? []);
      const missing = ids.filter((id) => !store.users.has(id)).map((id) => notFound('user', single ? 'id' : 'ids', id));
      return ok(users(ctx, found, missing, single));
    }
    case 'tweet':
    case 'tweets': {
      const single = endpoint === 'tweet';
      const ids = single ? [value] : request.ids!;
      const found = ids.flatMap((id) => store.tweets.get(id) ?? []);
      const missing = ids
        .filter((id) => !store.tweets.has(id))
        .map((id) => notFound('tweet', single ? 'id' : 'ids', id));
      const into = new IncludesBuilder(store, select);
      expandTweets(found, into, select.expansions, store);
      const data = found.map((t) => withAuthorName(ctx, t, select.tweet(t, 'root')));
      return ok(envelope(data.length === 0 ? undefined : single ? data[0] : data, into, missing));
    }
  }
}

/**
 * 2.167 offers an expansion `username` and gives a Post a `username` property, neither described: the sandbox reads
 * them as the author's handle on the posts the call asks for (the tweets dialect has no such expansion).
 */
function withAuthorName({ store, select }: Context, tweet: StoredTweet, selected: StoredTweet): StoredTweet {
  if (!select.expansions.has('username')) return selected;
  const username = tweet.author_id === undefined ? undefined : store.users.get(tweet.author_id)?.username;
  return username === undefined ? selected : { ...selected, username };
}

const ok = (body: unknown): Answer => ({ status: 200, body });

/** One page of a DM list (all the user's events, or one conversation's), or X's exact empty page. */
function page(ctx: Context, conversationId: string | undefined): Answer {
  const { store, request, user, dialect } = ctx;
  const list = store.visibleEvents(user.id, conversationId, request.eventTypes);
  const scope = listScope(user.id, conversationId ?? 'all');
  if (request.pagination && request.pagination.scope !== scope) {
    return { status: 400, body: foreignToken(dialect, request.paginationText ?? '') };
  }
  const slice = paginate(list, request.maxResults, request.pagination, scope);
  if (slice.events.length === 0) return ok({ meta: { result_count: 0 } } satisfies DmEventsPage);
  return ok({
    ...events(ctx, slice.events, false),
    meta: {
      result_count: slice.events.length,
      ...(slice.nextToken && { next_token: slice.nextToken }),
      ...(slice.previousToken && { previous_token: slice.previousToken }),
    },
  });
}

/** `single`: the by-id endpoints answer one object as `data`, the others an array. */
function events({ store, shape, select }: Context, list: readonly DmEvent[], single: boolean): Record<string, unknown> {
  const into = new IncludesBuilder(store, select);
  expandEvents(list, into, select.expansions);
  const data = list.map((e) => select.event(e, shape));
  return envelope(single ? data[0] : data, into, []);
}

function users(
  { store, select }: Context,
  list: readonly StoredUser[],
  missing: Problem[],
  single: boolean,
): Record<string, unknown> {
  const into = new IncludesBuilder(store, select);
  expandUsers(list, into, select.expansions);
  const data = list.map((u) => select.user(u, 'root'));
  return envelope(data.length === 0 ? undefined : single ? data[0] : data, into, missing);
}

/** `{ data, includes, errors }` without the empty parts: lookup errors first, then partial expansion errors. */
function envelope(data: unknown, into: IncludesBuilder, errors: Problem[]): Record<string, unknown> {
  const built = into.build();
  const allErrors = [...errors, ...(built.errors ?? [])];
  return {
    ...(data !== undefined && { data }),
    ...(built.includes && { includes: built.includes }),
    ...(allErrors.length > 0 && { errors: allErrors }),
  };
}

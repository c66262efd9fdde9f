/**
 * What each endpoint answers once a request has passed auth, rate limits and validation: pages, single objects and
 * lookups, with field selection, includes and partial errors. Pure: no HTTP here.
 */
import type { DmEvent, DmEventsPage, Problem, User } from '../x/wire.js';
import { oneToOneConversationId } from './data/ids.js';
import { listScope, paginate } from './paging.js';
import {
  expandEvents, expandTweets, expandUsers, IncludesBuilder, notFound, selectEvent, selectTweet, selectUser,
} from './select.js';
import type { DemoStore } from './store.js';
import type { EntityShape } from './types.js';
import { foreignToken, type EndpointName, type ValidRequest } from './validate.js';

export interface Answer {
  status: number;
  body: unknown;
}

interface Context {
  store: DemoStore;
  shape: EntityShape;
  request: ValidRequest;
  user: User;
}

export function answerRequest(
  store: DemoStore,
  shape: EntityShape,
  endpoint: EndpointName,
  values: readonly string[],
  user: User,
  request: ValidRequest,
): Answer {
  const ctx: Context = { store, shape, request, user };
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
      if (!event) return ok({ errors: [notFound('dm_event', 'event_id', value, 'id')] });
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
      const missing = ids.filter((id) => !store.tweets.has(id)).map((id) => notFound('tweet', single ? 'id' : 'ids', id));
      const into = new IncludesBuilder(store, request.fields);
      expandTweets(found, into, request.fields.expansions, store);
      const data = found.map((t) => selectTweet(t, request.fields));
      return ok(envelope(data.length === 0 ? undefined : single ? data[0] : data, into, missing));
    }
  }
}

const ok = (body: unknown): Answer => ({ status: 200, body });

/** One page of a DM list (all the user's events, or one conversation's), or X's exact empty page. */
function page(ctx: Context, conversationId: string | undefined): Answer {
  const { store, request, user } = ctx;
  const list = store.visibleEvents(user.id, conversationId, request.eventTypes);
  const scope = listScope(user.id, conversationId ?? 'all');
  if (request.pagination && request.pagination.scope !== scope) {
    return { status: 400, body: foreignToken(request.paginationText ?? '') };
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
function events({ store, shape, request }: Context, list: readonly DmEvent[], single: boolean): Record<string, unknown> {
  const into = new IncludesBuilder(store, request.fields);
  expandEvents(list, into, request.fields.expansions);
  const data = list.map((e) => selectEvent(e, request.fields, shape));
  return envelope(single ? data[0] : data, into, []);
}

function users({ store, request }: Context, list: readonly User[], missing: Problem[], single: boolean): Record<string, unknown> {
  const into = new IncludesBuilder(store, request.fields);
  expandUsers(list, into, request.fields.expansions);
  const data = list.map((u) => selectUser(u, request.fields));
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

/**
 * The naive client: what a DM app built on twitter-api-v2 does, one natural X call per screen, straight to X (the
 * sandbox) over HTTP, with the fields and expansions that screen shows. It keeps nothing between screens; what its
 * calls cost is read from the sandbox's log, like the gateway's.
 */
import type { DmEvent, User } from '../../src/x/wire.js';

/** What every screen shows of an event: its text, when, where, and its sender's handle (posts dialect, 2.167). */
const EVENT_QUERY = {
  'dm_event.fields': 'created_at,dm_conversation_id,event_type,text',
  expansions: 'sender_id',
  'user.fields': 'username',
};

export interface NaivePage {
  events: DmEvent[];
  users: Map<string, User>;
  nextToken: string | undefined;
}

export class NaiveClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Who is signed in (`GET /2/users/me`): the app starts with it, to tell the user's own messages from the others'. */
  async me(): Promise<User | undefined> {
    return (await this.#get<{ data?: User }>('/2/users/me', {})).data;
  }

  /** The inbox: the newest 100 events of every conversation, grouped by conversation in the app. */
  inbox(): Promise<NaivePage> {
    return this.#page('/2/dm_events', { ...EVENT_QUERY, max_results: '100' });
  }

  /** A conversation's newest `size` events, or the `size` after `token` (scrolling). Polling calls it again. */
  conversation(conversationId: string, size: number, token?: string): Promise<NaivePage> {
    return this.#page(`/2/dm_conversations/${conversationId}/dm_events`, {
      ...EVENT_QUERY,
      max_results: String(size),
      ...(token !== undefined && { pagination_token: token }),
    });
  }

  /** One event by id (a refetch, or opening it). */
  async event(eventId: string): Promise<{ event: DmEvent | undefined; users: Map<string, User> }> {
    const body = await this.#get<{ data?: DmEvent; includes?: { users?: User[] } }>(
      `/2/dm_events/${eventId}`,
      EVENT_QUERY,
    );
    return { event: body.data, users: usersOf(body.includes?.users) };
  }

  async #page(path: string, query: Record<string, string>): Promise<NaivePage> {
    const body = await this.#get<{ data?: DmEvent[]; includes?: { users?: User[] }; meta?: { next_token?: string } }>(
      path,
      query,
    );
    return { events: body.data ?? [], users: usersOf(body.includes?.users), nextToken: body.meta?.next_token };
  }

  async #get<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const response = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    const body = (await response.json()) as T;
    if (!response.ok)
      throw new Error(`X answered ${response.status} to the naive client's ${path}: ${JSON.stringify(body)}`);
    return body;
  }
}

function usersOf(users: readonly User[] | undefined): Map<string, User> {
  return new Map((users ?? []).map((user) => [user.id, user]));
}

/**
 * The screens of a DM app, as each client draws them: the inbox and a conversation's pages, through the gateway (one
 * GraphQL operation each) and as the naive client (one X call each). Each screen returns its checks against X's truth
 * at that moment (the sandbox's `visibleEvents`).
 */
import type { DmEvent, User } from '../../src/x/wire.js';
import type { NaivePage } from './naive.js';
import {
  type Check,
  type ShownConversation,
  type ShownEvent,
  checkEvents,
  checkFlag,
  checkInbox,
  inboxOf,
  pageOf,
} from './truth.js';
import type { World } from './world.js';

export const INBOX = /* GraphQL */ `
  query Inbox {
    dmConversations(first: 20) {
      nodes {
        conversationId
        kind
        updatedAt
        lastEvent {
          restId
          text
          sender {
            username
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`;
export const CONVERSATION = /* GraphQL */ `
  query Conversation($conversationId: ID!, $first: Int!, $after: String) {
    dmConversation(conversationId: $conversationId) {
      events(first: $first, after: $after) {
        nodes {
          id
          restId
          text
          createdAt
          sender {
            username
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

/** The conversations an inbox shows (`first` of INBOX). */
export const INBOX_SIZE = 20;

interface ConversationPage {
  dmConversation: {
    events: { nodes: (ShownEvent & { id: string })[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
}

export interface Screens {
  /** The conversation the pages show; set it from an inbox's top (`inboxTop`) when the user opens one. */
  conversationId: string;
  /** The newest conversation of the last inbox the gateway showed. */
  readonly inboxTop: string | undefined;
  /** The events the gateway's pages of the open conversation showed so far, with the cursor below them. */
  readonly gatewayShown: readonly (ShownEvent & { id: string })[];
  gatewayInbox(what: string): Promise<Check[]>;
  /** The naive client's inbox; with `start`, the app starts first (`GET /2/users/me`). */
  naiveInbox(what: string, start?: boolean): Promise<Check[]>;
  /** The open conversation's first page (`scroll` false) or the next one, checked against X's page below the last shown. */
  gatewayPage(what: string, size: number, scroll: boolean): Promise<Check[]>;
  naivePage(what: string, size: number, scroll: boolean): Promise<Check[]>;
}

export function screensOf(world: World): Screens {
  const { sandbox, me, usernames } = world;
  const truth = (conversationId?: string) => sandbox.visibleEvents(me.id, conversationId);
  const gatewayState = { shown: [] as (ShownEvent & { id: string })[], endCursor: null as string | null };
  const naiveState = { shown: [] as DmEvent[], nextToken: undefined as string | undefined };
  let inboxTop: string | undefined;

  const screens: Screens = {
    conversationId: '',
    get inboxTop() {
      return inboxTop;
    },
    get gatewayShown() {
      return gatewayState.shown;
    },
    async gatewayInbox(what) {
      const data = await world.ask<{
        dmConversations: { nodes: ShownConversation[]; pageInfo: { hasNextPage: boolean } };
      }>(INBOX);
      const { nodes, pageInfo } = data.dmConversations;
      inboxTop = nodes[0]?.conversationId;
      // Relay's rule: `first` conversations, or every one X has (its 30-day window) and no next page.
      const all = inboxOf(truth(), Number.MAX_SAFE_INTEGER);
      return [
        checkInbox(what, nodes, all.slice(0, INBOX_SIZE), usernames),
        checkFlag(`${what}: hasNextPage`, pageInfo.hasNextPage, all.length > INBOX_SIZE),
      ];
    },
    async naiveInbox(what, start = false) {
      const checks: Check[] = [];
      if (start) {
        const user = await world.naive.me();
        checks.push(checkFlag(`${what}: /2/users/me names the user`, user?.id === me.id, true));
      }
      const page = await world.naive.inbox();
      const shown = inboxOf(page.events, INBOX_SIZE).map(({ conversationId, lastEvent }) => ({
        conversationId,
        updatedAt: lastEvent.created_at ?? null,
        lastEvent: shownOf(lastEvent, page.users),
      }));
      checks.push(checkInbox(what, shown, inboxOf(truth(), INBOX_SIZE), usernames));
      return checks;
    },
    async gatewayPage(what, size, scroll) {
      const { conversationId } = screens;
      const after = scroll ? gatewayState.shown[gatewayState.shown.length - 1]?.restId : undefined;
      const data = await world.ask<ConversationPage>(CONVERSATION, {
        conversationId,
        first: size,
        ...(scroll && { after: gatewayState.endCursor }),
      });
      const { nodes, pageInfo } = data.dmConversation.events;
      gatewayState.shown = scroll ? [...gatewayState.shown, ...nodes] : nodes;
      gatewayState.endCursor = pageInfo.endCursor;
      const expected = pageOf(truth(conversationId), size, after);
      return [
        checkEvents(what, nodes, expected.events, usernames),
        checkFlag(`${what}: hasNextPage`, pageInfo.hasNextPage, expected.hasNextPage),
      ];
    },
    async naivePage(what, size, scroll) {
      const { conversationId } = screens;
      const after = scroll ? naiveState.shown[naiveState.shown.length - 1]?.id : undefined;
      const page: NaivePage = await world.naive.conversation(
        conversationId,
        size,
        scroll ? naiveState.nextToken : undefined,
      );
      naiveState.shown = scroll ? [...naiveState.shown, ...page.events] : page.events;
      naiveState.nextToken = page.nextToken;
      const expected = pageOf(truth(conversationId), size, after);
      return [
        checkEvents(
          what,
          page.events.map((event) => shownOf(event, page.users)),
          expected.events,
          usernames,
        ),
      ];
    },
  };
  return screens;
}

/** An event of X's answer as a screen shows it, its sender's handle from the answer's includes. */
export function shownOf(event: DmEvent, users: ReadonlyMap<string, User>): ShownEvent {
  return {
    restId: event.id,
    text: event.text ?? null,
    createdAt: event.created_at ?? null,
    sender: event.sender_id === undefined ? null : { username: users.get(event.sender_id)?.username ?? '?' },
  };
}

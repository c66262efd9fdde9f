/**
 * GraphiQL in a real browser: Debian's chromium (headless, through playwright-core) opens the gateway's `/graphql`,
 * runs the example operation GraphiQL opens on (the Inbox query) with the demo token from its headers, and shows the
 * sandbox's data. Every request the page makes stays on 127.0.0.1: GraphiQL is served from the package, not a CDN.
 * A screenshot lands in `test-results/graphiql.png`.
 *
 * Needs `/usr/bin/chromium` (`apt-get install chromium`; `.ci/run` installs it when missing): without it the test
 * fails, it does not skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';
import { listen } from './listen.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'sandbox-token';
/** The repository's `test-results/`, where CI keeps its reports. */
const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url));

const h = useGateway({
  sandbox: { mainToken: TOKEN },
  gateway: { graphiqlHeaders: { Authorization: `Bearer ${TOKEN}` }, freshnessMs: 200 },
});
const server = listen(h);

/**
 * Each browser step waits up to STEP_MS for what it expects; a test holds a few steps, so it gets several times that.
 * On a busy machine chromium is slow, not broken: a test fails on the step that did not come, by name.
 */
const STEP_MS = 20_000;
const TEST_MS = 90_000;

const MISSING =
  `${CHROMIUM} does not exist: the GraphiQL browser test needs Debian's chromium ` +
  '(apt-get update && apt-get install -y chromium; .ci/run installs it when missing).';

let browser: Browser | undefined;
let page: Page;
const requested: string[] = [];
const pageErrors: string[] = [];

/** Fails the test, rather than skipping it, when chromium is not installed. */
function requireChromium(): void {
  if (!browser) throw new Error(MISSING);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: STEP_MS,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

/** What Monaco shows in an editor, with its non-breaking spaces made plain. */
async function editorText(selector: string): Promise<string> {
  return ((await page.locator(`${selector} .view-lines`).first().textContent()) ?? '').replace(/\u00a0/g, ' ');
}

describe('GraphiQL in chromium', () => {
  it(
    'opens on the Inbox query, runs it with the demo token, and shows the sandbox data',
    async () => {
      requireChromium();
      const response = await page.goto(server.url, { waitUntil: 'load', timeout: STEP_MS });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toContain('text/html');

      // The editor is up with the example operation in it.
      const execute = page.locator('.graphiql-execute-button');
      await execute.waitFor({ state: 'visible', timeout: STEP_MS });
      await expect
        .poll(() => editorText('.graphiql-query-editor'), {
          timeout: STEP_MS,
          message: 'the Inbox query in the editor',
        })
        .toContain('query Inbox');
      // The headers editor holds the demo token; its text is never logged.
      await page.getByText('Headers', { exact: true }).click();
      await expect
        .poll(
          async () =>
            (await editorText('.graphiql-editor-tool .graphiql-editor:not(.hidden)')).includes(`Bearer ${TOKEN}`),
          {
            timeout: STEP_MS,
            message: 'the demo token in the headers editor',
          },
        )
        .toBe(true);

      h.sandbox.clearRequests();
      const answered = page.waitForResponse(
        (r) =>
          r.url() === server.url && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('Inbox'),
        { timeout: STEP_MS },
      );
      await execute.click();
      const body = (await (await answered).json()) as {
        data?: { dmEvents: { edges: { node: { sender: { username: string } | null } }[] } };
        errors?: unknown[];
      };
      expect(body.errors).toBeUndefined();

      // The usernames GraphiQL received are the sandbox's senders of the main user's latest events.
      const usernames = new Map(h.sandbox.data.users.map((user) => [user.id, user.username]));
      const expected = h.sandbox
        .visibleEvents(h.sandbox.users[0]!.id)
        .slice(0, 10)
        .map((event) => (event.sender_id ? usernames.get(event.sender_id) : undefined));
      expect(body.data!.dmEvents.edges.map((edge) => edge.node.sender?.username)).toEqual(expected);

      // ... and the result pane shows them.
      const firstSender = expected.find((username) => username !== undefined)!;
      await expect
        .poll(() => editorText('.graphiql-response'), {
          timeout: STEP_MS,
          message: 'the Inbox answer in the result pane',
        })
        .toContain(`"username": "${firstSender}"`);

      // One call to X, with the token GraphiQL sent from its headers.
      const calls = h.calls().filter((call) => call.path === '/2/dm_events');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.authorization === `Bearer ${TOKEN}`).toBe(true);

      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}/graphiql.png`, fullPage: true });
    },
    TEST_MS,
  );

  it(
    'has a tab with the example subscription, which shows a new message as it arrives',
    async () => {
      requireChromium();
      const tab = page.locator('.graphiql-tab', { hasText: 'DmEventAdded' });
      await tab.waitFor({ state: 'visible', timeout: STEP_MS });
      await tab.click();
      await expect
        .poll(() => editorText('.graphiql-query-editor'), {
          timeout: STEP_MS,
          message: 'the subscription in the editor',
        })
        .toContain('subscription DmEventAdded');
      // The editor shows the tab's text before GraphiQL has taken in its operation: executing then runs the previous
      // tab's operation name against this document ("Cannot infer operation Inbox"). GraphiQL keeps its tabs' state,
      // the active one's operation name among it, in localStorage: wait until it names this tab's operation.
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const state = JSON.parse(localStorage.getItem('graphiql:tabState') ?? 'null') as {
                activeTabIndex: number;
                tabs: { operationName: string | null }[];
              } | null;
              return state?.tabs[state.activeTabIndex]?.operationName ?? null;
            }),
          { timeout: STEP_MS, message: "GraphiQL's active tab on the subscription" },
        )
        .toBe('DmEventAdded');
      h.sandbox.clearRequests();
      const askedBefore = requested.length;
      await page.locator('.graphiql-execute-button').click();
      // The subscription is open once its user's live loop has checked X: the loop runs only for a subscriber, so its
      // first call at the sandbox means the subscription is registered. Then a message arrives at X.
      try {
        await expect
          .poll(() => h.sandbox.requests.some((call) => call.path === '/2/dm_events' && call.status === 200), {
            timeout: STEP_MS,
            message: "the subscription's live loop calling X",
          })
          .toBe(true);
      } catch (error) {
        // What each side saw, to tell a request the page never made from a subscription the gateway did not start.
        const asked = requested.slice(askedBefore).map((url) => url.slice(0, 100));
        const calls = h.sandbox.requests.map((call) => `${call.path} ${call.status}`);
        const pane = (await editorText('.graphiql-response')).slice(0, 300);
        throw new Error(
          `${(error as Error).message}\nthe page asked: ${JSON.stringify(asked)}\nX saw: ${JSON.stringify(calls)}\n` +
            `live loops: ${h.gateway.live.running}\nresult pane: ${pane}`,
          { cause: error },
        );
      }
      const me = h.sandbox.users[0]!.id;
      const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
      const other = conversation.participantIds.find((id) => id !== me)!;
      h.sandbox.addMessage(conversation.id, other, 'hello from the browser test');
      await expect
        .poll(() => editorText('.graphiql-response'), {
          timeout: STEP_MS,
          message: 'the new message in the result pane',
        })
        .toContain('hello from the browser test');
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}/graphiql-subscription.png`, fullPage: true });
    },
    TEST_MS,
  );

  it('made no request that left 127.0.0.1: GraphiQL comes from the package, not a CDN', () => {
    requireChromium();
    expect(requested.length).toBeGreaterThan(0);
    const origin = new URL(server.url).origin;
    const remote = requested.filter((url) => {
      if (url.startsWith('blob:') || url.startsWith('data:')) return false;
      return new URL(url).origin !== origin;
    });
    expect(remote).toEqual([]);
  });

  it('ran without page errors', () => {
    requireChromium();
    expect(pageErrors).toEqual([]);
  });
});

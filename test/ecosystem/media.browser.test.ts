/**
 * A DM image in a real browser: a frontend served from another origin runs the example conversation query
 * (`schema/operations/conversation-page.graphql`, which selects `downloadUrl`) against the gateway, puts each photo's
 * `downloadUrl` in an `<img>`, and Debian's chromium (headless, through playwright-core) loads it with no header: the
 * image decodes (`naturalWidth > 0`). A screenshot lands in `test-results/media.png`.
 *
 * Needs `/usr/bin/chromium`: without it the test fails, it does not skip.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';
import { listen } from './listen.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url));
const CONVERSATION_PAGE = readFileSync(
  new URL('../../schema/operations/conversation-page.graphql', import.meta.url),
  'utf8',
);

const h = useGateway();
const gateway = listen(h);

/** The frontend: a page on its own origin that asks the gateway for a conversation and shows its photos. */
function frontendPage(graphqlUrl: string, token: string, conversationId: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>DMs</title></head>
<body><h1>Conversation</h1><div id="photos"></div>
<script>
(async () => {
  const response = await fetch(${JSON.stringify(graphqlUrl)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: ${JSON.stringify(`Bearer ${token}`)} },
    body: JSON.stringify({ query: ${JSON.stringify(CONVERSATION_PAGE)}, variables: { conversationId: ${JSON.stringify(conversationId)}, first: 100 } }),
  });
  const answer = await response.json();
  const photos = answer.data.dmConversation.events.edges
    .flatMap((edge) => edge.node.attachments ? edge.node.attachments.media : [])
    .filter((media) => media.type === 'PHOTO' && media.downloadUrl);
  const loads = photos.map((media) => new Promise((resolve) => {
    const img = document.createElement('img');
    img.onload = img.onerror = () => resolve();
    img.src = media.downloadUrl;
    document.getElementById('photos').appendChild(img);
  }));
  await Promise.all(loads);
  document.body.dataset.done = String(photos.length);
})().catch((error) => { document.body.dataset.error = String(error); });
</script></body></html>`;
}

let browser: Browser | undefined;
let frontend: Server | undefined;
let frontendOrigin = '';
let html = '';

beforeAll(async () => {
  frontend = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => frontend!.listen(0, '127.0.0.1', () => resolve()));
  frontendOrigin = `http://127.0.0.1:${(frontend.address() as { port: number }).port}`;
  if (!existsSync(CHROMIUM)) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (frontend) {
    const closed = new Promise<void>((resolve) => frontend!.close(() => resolve()));
    frontend.closeAllConnections();
    await closed;
  }
});

describe('DM media in chromium', () => {
  it('shows a DM photo through its downloadUrl in a page of another origin', async () => {
    if (!browser) throw new Error(`${CHROMIUM} does not exist: the media browser test needs Debian's chromium.`);
    const main = h.sandbox.users[0]!;
    const event = h.sandbox
      .visibleEvents(main.id)
      .find((e) => h.sandbox.data.media.find((m) => m.media_key === e.attachments?.media_keys?.[0])?.type === 'photo')!;
    html = frontendPage(gateway.url, main.token, event.dm_conversation_id!);
    expect(new URL(frontendOrigin).origin).not.toBe(new URL(gateway.origin).origin);

    const page = await browser.newPage();
    const mediaRequests: { url: string; headers: Record<string, string> }[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${gateway.origin}/media/`))
        mediaRequests.push({ url: request.url(), headers: request.headers() });
    });
    await page.goto(frontendOrigin, { waitUntil: 'load', timeout: 20_000 });
    await page.waitForFunction(
      () => document.body.dataset.done !== undefined || document.body.dataset.error !== undefined,
      undefined,
      {
        timeout: 20_000,
      },
    );
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();

    const images = await page.evaluate(() =>
      [...document.images].map((img) => ({ src: img.src, complete: img.complete, naturalWidth: img.naturalWidth })),
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image.src.startsWith(`${gateway.origin}/media/`)).toBe(true);
      expect(image.complete).toBe(true);
      expect(image.naturalWidth).toBeGreaterThan(0);
    }
    // The browser sent no credentials of its own for the images.
    expect(mediaRequests.length).toBeGreaterThan(0);
    for (const request of mediaRequests) expect(request.headers.authorization).toBeUndefined();
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}/media.png` });
    await page.close();
  }, 60_000);
});

/**
 * The fixed upstream: X's `GET /2/dm_events` from precomputed Buffers, one per page size, picked by `max_results`.
 * No JSON work per request: the only cost is node:http's. Every answer carries valid `x-rate-limit-*` headers.
 *
 * Counts every request (by path), so the bench can tell how many upstream calls an operation cost, and whether the
 * caller's token came along.
 */
import { createServer } from 'node:http';
import { BENCH_AUTHORIZATION, buildPages, pageFor } from '../lib/pages.js';
import { runChild } from './child.js';

const pages = [...buildPages().values()].map((page) => ({
  size: page.size,
  bytes: page.bytes,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(page.bytes.length),
    // A window of X's shape that the benchmark never spends: the gateway's rate-limit book must never fail fast.
    'x-rate-limit-limit': '300',
    'x-rate-limit-remaining': '299',
    'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 86_400),
  },
}));

// `GET /2/users/me`, which the gateway's memory (arm F) asks once per token to know whose DMs it keeps.
const viewer = [...buildPages().values()][0]!.viewer;
const ME = Buffer.from(JSON.stringify({ data: viewer }));
const ME_HEADERS = { ...pages[0]!.headers, 'content-length': String(ME.length) };

const NOT_FOUND = Buffer.from(
  JSON.stringify({ title: 'Not Found Error', detail: 'Not found', type: 'about:blank', status: 404 }),
);

let total = 0;
let dmEvents = 0;
let other = 0;
let withToken = 0;
let lastQuery = '';

const server = createServer((req, res) => {
  total++;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.headers.authorization === BENCH_AUTHORIZATION) withToken++;
  if (path === '/2/users/me' && req.method === 'GET') {
    other++;
    res.writeHead(200, ME_HEADERS);
    res.end(ME);
    return;
  }
  if (path !== '/2/dm_events' || req.method !== 'GET') {
    other++;
    res.writeHead(404, { 'content-type': 'application/problem+json', 'content-length': String(NOT_FOUND.length) });
    res.end(NOT_FOUND);
    return;
  }
  dmEvents++;
  const query = q < 0 ? '' : url.slice(q + 1);
  lastQuery = query;
  const match = /(?:^|&)max_results=(\d+)/.exec(query);
  const page = pageFor(pages, match ? Number(match[1]) : 100);
  res.writeHead(200, page.headers);
  res.end(page.bytes);
});

await runChild(server, {
  info: { sizes: pages.map((p) => p.size), bytes: pages.map((p) => p.bytes.length) },
  extra: () => ({ total, dmEvents, other, withToken, lastQuery }),
});

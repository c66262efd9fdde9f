/**
 * The fixed upstream: X's `GET /2/dm_events` from precomputed Buffers, one per page size, picked by `max_results`.
 * No JSON work per request: the only cost is node:http's. Every answer carries valid `x-rate-limit-*` headers.
 *
 * X's lookups by ids, `GET /2/users?ids=` and `GET /2/tweets?ids=` (the app case's post authors), are answered from
 * the same demo data (`buildLookups`): each distinct query string's answer is built once and kept as a Buffer, so a
 * repeated lookup costs what a page does.
 *
 * Counts every request (by path), so the bench can tell how many upstream calls an operation cost and to which
 * endpoints, and whether the caller's token came along.
 */
import { createServer } from 'node:http';
import { BENCH_AUTHORIZATION, buildLookups, buildPages, pageFor } from '../lib/pages.js';
import { runChild } from './child.js';

const RATE_LIMIT_HEADERS = {
  // A window of X's shape that the benchmark never spends: the gateway's rate-limit book must never fail fast.
  'x-rate-limit-limit': '300',
  'x-rate-limit-remaining': '299',
  'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 86_400),
};

function jsonHeaders(bytes: Buffer) {
  return {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
    ...RATE_LIMIT_HEADERS,
  };
}

const built = buildPages();
const pages = [...built.values()].map((page) => ({
  size: page.size,
  bytes: page.bytes,
  headers: jsonHeaders(page.bytes),
}));

// `GET /2/users/me`, which the gateway's memory (arm F) asks once per token to know whose DMs it keeps.
const viewer = [...built.values()][0]!.viewer;
const ME = Buffer.from(JSON.stringify({ data: viewer }));
const ME_HEADERS = jsonHeaders(ME);

const lookups = buildLookups();
/** Lookup answers by path and query string, built on first use. The bench asks a handful of distinct ones. */
const lookupAnswers = new Map<string, { bytes: Buffer; headers: Record<string, string> }>();
const MAX_LOOKUP_ANSWERS = 10_000;

function lookupAnswer(path: '/2/users' | '/2/tweets', query: string) {
  const key = `${path}?${query}`;
  let answer = lookupAnswers.get(key);
  if (!answer) {
    const bytes = Buffer.from(
      JSON.stringify(lookups.answer(path === '/2/users' ? 'users' : 'tweets', new URLSearchParams(query))),
    );
    if (lookupAnswers.size >= MAX_LOOKUP_ANSWERS) lookupAnswers.clear();
    answer = { bytes, headers: jsonHeaders(bytes) };
    lookupAnswers.set(key, answer);
  }
  return answer;
}

const NOT_FOUND = Buffer.from(
  JSON.stringify({ title: 'Not Found Error', detail: 'Not found', type: 'about:blank', status: 404 }),
);

let total = 0;
let dmEvents = 0;
let other = 0;
let withToken = 0;
let lastQuery = '';
let lastLookup = '';
/** Requests by path (`/2/dm_events`, `/2/users`, `/2/tweets`, `/2/users/me`, anything else). */
const byPath: Record<string, number> = {};

const server = createServer((req, res) => {
  total++;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  byPath[path] = (byPath[path] ?? 0) + 1;
  if (req.headers.authorization === BENCH_AUTHORIZATION) withToken++;
  if (req.method !== 'GET') {
    other++;
  } else if (path === '/2/users/me') {
    other++;
    res.writeHead(200, ME_HEADERS);
    res.end(ME);
    return;
  } else if (path === '/2/users' || path === '/2/tweets') {
    other++;
    lastLookup = `${path}?${query}`;
    const answer = lookupAnswer(path, query);
    res.writeHead(200, answer.headers);
    res.end(answer.bytes);
    return;
  } else if (path === '/2/dm_events') {
    dmEvents++;
    lastQuery = query;
    const match = /(?:^|&)max_results=(\d+)/.exec(query);
    const page = pageFor(pages, match ? Number(match[1]) : 100);
    res.writeHead(200, page.headers);
    res.end(page.bytes);
    return;
  } else {
    other++;
  }
  res.writeHead(404, { 'content-type': 'application/problem+json', 'content-length': String(NOT_FOUND.length) });
  res.end(NOT_FOUND);
});

await runChild(server, {
  info: { sizes: pages.map((p) => p.size), bytes: pages.map((p) => p.bytes.length) },
  extra: () => ({ total, dmEvents, other, withToken, lastQuery, lastLookup, byPath: { ...byPath } }),
});

/** Shared by the sandbox tests: a sandbox on a random port, a GET over real HTTP (undici), each spec's vocabulary. */
import { request } from 'undici';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { dialectOf, type DialectName } from '../../src/x/dialect.js';
import { SPEC_VOCABULARY } from '../../src/x/generated/vocabulary.js';
import type { DmEvent, DmEventsPage } from '../../src/x/wire.js';

/** A fixed anchor keeps every test deterministic. */
export const NOW = new Date('2025-06-01T12:00:00Z');

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = createSandbox({
    now: NOW,
    mainToken: 'sandbox-token',
    rateLimit: { limit: 100_000, windowMs: 900_000 },
    ...options,
  });
  await sandbox.listen();
  return sandbox;
}

export interface Answer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: T;
}

export type Query = Record<string, string | number | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** GET `path` with a bearer token (`null`: no Authorization header). */
export async function get<T = any>(
  sandbox: Sandbox,
  path: string,
  options: { token?: string | null; query?: Query; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const token = options.token === undefined ? sandbox.users[0]!.token : options.token;
  const res = await request(sandbox.url + withQuery(path, options.query), {
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...options.headers },
  });
  const text = await res.body.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, body: body as T };
}

/** Follows `next_token` (or `previous_token`) from a first call until the empty page; returns every page. */
export async function walk(
  sandbox: Sandbox,
  path: string,
  query: Query,
  direction: 'next' | 'previous' = 'next',
  token?: string,
  start?: string,
): Promise<DmEventsPage[]> {
  const pages: DmEventsPage[] = [];
  let pagination = start;
  for (let i = 0; i < 500; i++) {
    const answer = await get<DmEventsPage>(sandbox, path, { token, query: { ...query, pagination_token: pagination } });
    if (answer.status !== 200) throw new Error(`${answer.status} ${answer.text}`);
    pages.push(answer.body);
    const next = direction === 'next' ? answer.body.meta.next_token : answer.body.meta.previous_token;
    if (!answer.body.data || !next) return pages;
    pagination = next;
  }
  throw new Error('pagination did not end');
}

export const ids = (events: readonly DmEvent[] | undefined): string[] => (events ?? []).map((e) => e.id);

/** Slices by Unicode code points, as X counts entity offsets. */
export function codePointSlice(text: string, start: number, end: number): string {
  return Array.from(text).slice(start, end).join('');
}

/** The values the list parameter `parameter` of `operation` (`'GET /2/dm_events'`) accepts in `dialect`'s spec. */
export function valuesOf(dialect: DialectName, operation: string, parameter: string): string[] {
  const operations = SPEC_VOCABULARY[dialectOf(dialect).specVersion] as unknown as Record<
    string,
    Record<string, { values?: string[] }>
  >;
  const values = operations[operation]?.[parameter]?.values;
  if (!values) throw new Error(`${dialect}: ${operation} has no list parameter ${parameter}`);
  return [...values];
}

/** A query asking `operation` for every field and expansion `dialect`'s spec offers. */
export function everything(dialect: DialectName, operation: string): Query {
  const operations = SPEC_VOCABULARY[dialectOf(dialect).specVersion] as unknown as Record<
    string,
    Record<string, { values?: string[] }>
  >;
  const query: Query = {};
  for (const [name, rule] of Object.entries(operations[operation]!)) {
    if (rule.values && (name === 'expansions' || name.endsWith('.fields'))) query[name] = rule.values.join(',');
  }
  return query;
}

/** `object` with only `keys` (in its own order). */
export const pickKeys = <T extends object>(object: T, keys: readonly string[]): Partial<T> =>
  Object.fromEntries(Object.entries(object).filter(([k]) => keys.includes(k))) as Partial<T>;

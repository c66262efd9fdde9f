/**
 * Every kind of sandbox answer, validated against the X OpenAPI spec of the dialect it speaks: a posts sandbox against
 * `spec/x-openapi-2.167-dm.json` (X's production spec), a tweets sandbox against `spec/x-openapi-2.159-dm.json`. The
 * specs' `discriminator`s are not applied by ajv, so problems (and 2.159's media) are also checked against the schema
 * their discriminator maps them to.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES, dialectOf, type DialectName } from '../../src/x/dialect.js';
import { everything, get, type Answer, startSandbox } from './helpers.js';

// A CommonJS module: tsc (NodeNext) and vite disagree on what its default import is.
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ??
  formatsModule) as FormatsPlugin;

/** RFC 7807's shape (2.159's base `Problem`): what a problem body of a type 2.167 does not list is checked against. */
const RFC_7807 = {
  type: 'object',
  required: ['type', 'title'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    detail: { type: 'string' },
    status: { type: 'integer' },
  },
};

const LEGACY_DATE = 'Wed Jan 06 18:40:40 +0000 2021';
const valueAt = (body: unknown, pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .reduce<any>((o, k) => o?.[k], body);

/**
 * Deviations of the live API from its own specs that the sandbox reproduces on purpose:
 * - both specs: the seeds' legacy tweet date (`Wed Jan 06 18:40:40 +0000 2021`) is not RFC 3339;
 * - 2.159: X reports a missing DM event with `resource_type: "dm_event"`, which 2.159's enum does not list (2.167
 *   types `resource_type` as any string);
 * - 2.167: its `Problem` lists neither `about:blank` (X's bodies for 401, 404, 405, 429 and 5xx, word for word as
 *   X's docs show them) nor `unsupported-authentication` (X's 403 for an app-only token): see `isUnlistedProblem`.
 * - 2.167: a post's `suggested_source_links` is a list of bare URL strings and `suggested_source_links_with_counts` a
 *   list of `{ count, url }` with a string `url`, where 2.159 has URL entities (`{ start, end, url, expanded_url, ... }`)
 *   and one object. The gateway reads 2.159's entities, which a bare URL cannot be turned back into, so the dialects
 *   do not translate these two fields yet and the posts sandbox sends 2.159's shapes (an open question for the
 *   gateway, not a claim about X).
 * Quirks of 2.167 that need no exception: `InvalidRequestProblem` does not declare the `errors` list X sends (extra
 * properties are allowed), `Media` has no discriminator (one flat object), `article_title` is an object without
 * properties, `public_metrics` says `repost_count`/`post_count` and `withheld.scope` `post` (the dialect renames them).
 */
function unexpected(version: string, errors: ErrorObject[] | null | undefined, body: unknown): ErrorObject[] {
  return (errors ?? []).filter((e) => {
    if (e.keyword === 'format' && e.instancePath.endsWith('/created_at'))
      return valueAt(body, e.instancePath) !== LEGACY_DATE;
    if (e.keyword === 'enum' && e.instancePath.endsWith('/resource_type'))
      return valueAt(body, e.instancePath) !== 'dm_event';
    if (version === '2.167' && e.keyword === 'type') {
      return !/\/suggested_source_links\/\d+$|\/suggested_source_links_with_counts$/.test(e.instancePath);
    }
    return true;
  });
}

/** The spec of a dialect, loaded into its own ajv, and the checks built on it. */
function specOf(dialect: DialectName) {
  const version = dialectOf(dialect).specVersion;
  const spec = JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../spec/x-openapi-${version}-dm.json`, import.meta.url)), 'utf8'),
  );
  // OpenAPI 3.0 schemas carry keywords JSON Schema does not know (discriminator, example): strict mode off.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'x');
  const rfc7807 = ajv.compile(RFC_7807);
  const problemMap = spec.components.schemas.Problem.discriminator.mapping as Record<string, string>;
  const mediaMap = spec.components.schemas.Media.discriminator?.mapping as Record<string, string> | undefined;

  const cache = new Map<string, ValidateFunction>();
  function schema(ref: string): ValidateFunction {
    let fn = cache.get(ref);
    if (!fn) {
      fn = ajv.getSchema(`x${ref}`);
      if (!fn) throw new Error(`no schema ${ref} in spec ${version}`);
      cache.set(ref, fn);
    }
    return fn;
  }

  function check(fn: ValidateFunction, name: string, body: unknown): void {
    fn(body);
    expect(unexpected(version, fn.errors, body), `${version} ${name}: ${ajv.errorsText(fn.errors)}`).toEqual([]);
  }

  /** 2.167 lists no problem for `about:blank` nor `unsupported-authentication` (see `unexpected`). */
  const isUnlistedProblem = (type: string) =>
    version === '2.167' &&
    !problemMap[type] &&
    (type === 'about:blank' || type === dialectOf(dialect).problemType('unsupported-authentication'));

  /** Problems and media validated against the schema their discriminator names. */
  function validateDiscriminated(body: any): void {
    for (const p of (body?.errors ?? []).filter((p: any) => typeof p?.type === 'string')) {
      expect(problemMap[p.type], `unknown problem type ${p.type}`).toBeDefined();
      check(schema(problemMap[p.type]!), problemMap[p.type]!, p);
    }
    if (mediaMap) for (const m of body?.includes?.media ?? []) check(schema(mediaMap[m.type]!), mediaMap[m.type]!, m);
  }

  /** Validates an answer against the spec's response for `template` (e.g. `/2/dm_events/{event_id}`). */
  function validateAnswer(template: string, answer: Answer): void {
    const responses = spec.paths[template].get.responses;
    if (answer.status === 200) {
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const ref = responses['200'].content['application/json'].schema.$ref;
      check(schema(ref), ref, answer.body);
      validateDiscriminated(answer.body);
      return;
    }
    expect(answer.headers['content-type']).toBe('application/problem+json');
    if (isUnlistedProblem(answer.body.type)) return check(rfc7807, 'RFC 7807 problem', answer.body);
    const ref = responses.default.content['application/problem+json'].schema.$ref;
    check(schema(ref), ref, answer.body);
    const mapped = problemMap[answer.body.type];
    expect(mapped, `unknown problem type ${answer.body.type}`).toBeDefined();
    check(schema(mapped!), mapped!, answer.body);
  }

  return { version, validateAnswer };
}

describe.each(DIALECT_NAMES)('answers of a %s sandbox match its spec', (dialect) => {
  const { version, validateAnswer } = specOf(dialect);
  const ALL_DM = everything(dialect, 'GET /2/dm_events');
  let sandbox: Sandbox;
  let mainId: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
    mainId = sandbox.users[0]!.id;
  });
  afterAll(() => sandbox.close());

  it('asks for every field and expansion of spec ' + version, () => {
    expect(Object.keys(ALL_DM).sort()).toEqual(
      [
        'dm_event.fields',
        'expansions',
        'media.fields',
        dialect === 'posts' ? 'post.fields' : 'tweet.fields',
        'user.fields',
      ].sort(),
    );
  });

  it.each(['top-level', 'nested'] as const)(
    'GET /2/dm_events: every page to the end, plus the empty page (%s entities)',
    async (shape) => {
      sandbox.setEntityShape(shape);
      let token: string | undefined;
      let first: Answer | undefined;
      const includes = new Set<string>();
      do {
        const answer = await get(sandbox, '/2/dm_events', {
          query: { ...ALL_DM, max_results: 60, pagination_token: token },
        });
        first ??= answer;
        validateAnswer('/2/dm_events', answer);
        for (const key of Object.keys(answer.body.includes ?? {})) includes.add(key);
        token = answer.body.meta.next_token;
      } while (token);
      expect([...includes].sort()).toEqual(['media', dialect === 'posts' ? 'posts' : 'tweets', 'users']);
      const empty = await get(sandbox, '/2/dm_events', {
        query: { pagination_token: first.body.meta.previous_token },
      });
      expect(empty.body).toEqual({ meta: { result_count: 0 } });
      validateAnswer('/2/dm_events', empty);
    },
  );

  it('GET /2/dm_conversations/{id}/dm_events for every conversation of the main user, and a foreign one', async () => {
    for (const c of sandbox.data.conversations) {
      const answer = await get(sandbox, `/2/dm_conversations/${c.id}/dm_events`, { query: ALL_DM });
      validateAnswer('/2/dm_conversations/{id}/dm_events', answer);
      expect(answer.body.meta.result_count > 0).toBe(c.participantIds.includes(mainId));
    }
  });

  it('GET /2/dm_conversations/with/{participant_id}/dm_events, with data and empty', async () => {
    for (const user of sandbox.users.slice(1, 14)) {
      validateAnswer(
        '/2/dm_conversations/with/{participant_id}/dm_events',
        await get(sandbox, `/2/dm_conversations/with/${user.id}/dm_events`, { query: ALL_DM }),
      );
    }
  });

  it('GET /2/dm_events/{event_id}: found (every kind of event), partial error, not found', async () => {
    const seen = sandbox.visibleEvents(mainId);
    const samples = [
      seen.find((e) => e.event_type === 'ParticipantsJoin')!,
      seen.find((e) => e.event_type === 'ParticipantsLeave')!,
      seen.find((e) => e.attachments?.media_keys)!,
      seen.find((e) => e.referenced_tweets?.[0]?.id === sandbox.data.missingTweetId)!,
      seen.find((e) => e.urls && e.mentions)!,
    ];
    const query = everything(dialect, 'GET /2/dm_events/{event_id}');
    for (const e of samples)
      validateAnswer('/2/dm_events/{event_id}', await get(sandbox, `/2/dm_events/${e.id}`, { query }));
    const partial = await get(sandbox, `/2/dm_events/${samples[3]!.id}`, { query });
    expect(partial.body.errors).toEqual([
      expect.objectContaining({ resource_type: dialect === 'posts' ? 'post' : 'tweet' }),
    ]);
    const missing = await get(sandbox, '/2/dm_events/42', { query });
    expect(missing.body.errors).toHaveLength(1);
    validateAnswer('/2/dm_events/{event_id}', missing);
  });

  it('GET /2/users, /2/users/me and /2/users/{id} with every field and expansion, and not-found errors', async () => {
    const query = everything(dialect, 'GET /2/users');
    const all = await get(sandbox, '/2/users', {
      query: { ...query, ids: [...sandbox.users.map((u) => u.id), '1'].join(',') },
    });
    expect(all.body.includes.users.length && all.body.errors.length).toBeTruthy();
    validateAnswer('/2/users', all);
    validateAnswer('/2/users', await get(sandbox, '/2/users', { query: { ids: '1,2' } }));
    validateAnswer('/2/users/me', await get(sandbox, '/2/users/me', { query: everything(dialect, 'GET /2/users/me') }));
    validateAnswer(
      '/2/users/{id}',
      await get(sandbox, `/2/users/${sandbox.users[9]!.id}`, { query: everything(dialect, 'GET /2/users/{id}') }),
    );
    validateAnswer('/2/users/{id}', await get(sandbox, '/2/users/3', { query }));
  });

  it('GET /2/tweets and /2/tweets/{id} with every field and expansion, and not-found errors', async () => {
    const query = everything(dialect, 'GET /2/tweets');
    const ids = [...sandbox.data.tweets.map((t) => t.id!), sandbox.data.missingTweetId];
    const answer = await get(sandbox, '/2/tweets', { query: { ...query, ids: ids.slice(0, 100).join(',') } });
    expect(
      answer.body.includes.polls.length && answer.body.includes.places.length && answer.body.errors.length,
    ).toBeTruthy();
    validateAnswer('/2/tweets', answer);
    validateAnswer(
      '/2/tweets/{id}',
      await get(sandbox, `/2/tweets/${ids[0]}`, { query: everything(dialect, 'GET /2/tweets/{id}') }),
    );
    validateAnswer('/2/tweets/{id}', await get(sandbox, `/2/tweets/${sandbox.data.missingTweetId}`));
  });

  it('400, 401, 403, 404, 429 and 5xx problem bodies', async () => {
    validateAnswer(
      '/2/dm_events',
      await get(sandbox, '/2/dm_events', { query: { max_results: 0, foo: 'x', 'dm_event.fields': '' } }),
    );
    validateAnswer('/2/users', await get(sandbox, '/2/users'));
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events', { token: null }));
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events', { token: sandbox.appOnlyToken }));
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events/x/y'));
    sandbox.injectFaults({ type: 'status', status: 429 });
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events'));
    sandbox.setRateLimit(1, 60_000, 'dm-read');
    try {
      await get(sandbox, '/2/dm_events');
      const spent = await get(sandbox, '/2/dm_events');
      expect(spent.status).toBe(429);
      validateAnswer('/2/dm_events', spent);
    } finally {
      sandbox.setRateLimit(100_000, 900_000);
    }
    for (const status of [500, 502, 503, 504] as const) {
      sandbox.injectFaults({ type: 'status', status });
      validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events'));
    }
  });
});

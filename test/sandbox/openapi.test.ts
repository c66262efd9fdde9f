/**
 * Every kind of sandbox answer, validated against X's own OpenAPI spec (`spec/x-openapi-dm.json`). The spec's `discriminator`s are not applied by ajv, so problems and media are also checked against the
 * schema their discriminator maps them to.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { DM_EVENT_EXPANSIONS, DM_EVENT_FIELDS, MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, TWEET_EXPANSIONS, TWEET_FIELDS, USER_EXPANSIONS, USER_FIELDS } from '../../src/x/wire.js';
import { get, type Answer, type Query, startSandbox } from './helpers.js';

const specPath = fileURLToPath(new URL('../../spec/x-openapi-dm.json', import.meta.url));
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
// OpenAPI 3.0 schemas carry keywords JSON Schema does not know (discriminator, example): strict mode off.
const ajv = new Ajv({ strict: false, allErrors: true });
// A CommonJS module: tsc (NodeNext) and vite disagree on what its default import is.
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as FormatsPlugin;
addFormats(ajv);
ajv.addSchema(spec, 'x');

const schemaCache = new Map<string, ValidateFunction>();
function schema(ref: string): ValidateFunction {
  let fn = schemaCache.get(ref);
  if (!fn) {
    fn = ajv.getSchema(`x${ref}`);
    if (!fn) throw new Error(`no schema ${ref} in the spec`);
    schemaCache.set(ref, fn);
  }
  return fn;
}

/**
 * Deviations of the live API from its own spec that the sandbox reproduces on purpose:
 * - the seeds' legacy tweet date (`Wed Jan 06 18:40:40 +0000 2021`) is not RFC 3339;
 * - X reports a missing DM event with `resource_type: "dm_event"`, which the spec's enum does not list.
 */
function unexpected(errors: ErrorObject[] | null | undefined, body: unknown): ErrorObject[] {
  return (errors ?? []).filter((e) => {
    if (e.keyword === 'format' && e.instancePath.endsWith('/created_at')) {
      const value = e.instancePath.split('/').slice(1).reduce<any>((o, k) => o?.[k], body);
      return value !== 'Wed Jan 06 18:40:40 +0000 2021';
    }
    if (e.keyword === 'enum' && e.instancePath.endsWith('/resource_type')) {
      return e.instancePath.split('/').slice(1).reduce<any>((o, k) => o?.[k], body) !== 'dm_event';
    }
    return true;
  });
}

function validateAgainst(ref: string, body: unknown): void {
  const fn = schema(ref);
  fn(body);
  expect(unexpected(fn.errors, body), `${ref}: ${ajv.errorsText(fn.errors)}`).toEqual([]);
}

/** Problems and media validated against the schema their discriminator names. */
function validateDiscriminated(body: any): void {
  const problemMap = spec.components.schemas.Problem.discriminator.mapping as Record<string, string>;
  const mediaMap = spec.components.schemas.Media.discriminator.mapping as Record<string, string>;
  const problems = [...(body?.errors ?? [])].filter((p) => typeof p?.type === 'string');
  for (const p of problems) {
    expect(problemMap[p.type], `unknown problem type ${p.type}`).toBeDefined();
    validateAgainst(problemMap[p.type]!, p);
  }
  for (const m of body?.includes?.media ?? []) validateAgainst(mediaMap[m.type]!, m);
}

/** Validates an answer against the spec's response for `template` (e.g. `/2/dm_events/{event_id}`). */
function validateAnswer(template: string, answer: Answer): void {
  const responses = spec.paths[template].get.responses;
  if (answer.status === 200) {
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    validateAgainst(responses['200'].content['application/json'].schema.$ref, answer.body);
    validateDiscriminated(answer.body);
  } else {
    expect(answer.headers['content-type']).toBe('application/problem+json');
    validateAgainst(responses.default.content['application/problem+json'].schema.$ref, answer.body);
    const mapped = spec.components.schemas.Problem.discriminator.mapping[answer.body.type];
    expect(mapped).toBeDefined();
    validateAgainst(mapped, answer.body);
  }
}

const ALL_DM: Query = {
  'dm_event.fields': DM_EVENT_FIELDS.join(','),
  expansions: DM_EVENT_EXPANSIONS.join(','),
  'user.fields': USER_FIELDS.join(','),
  'media.fields': MEDIA_FIELDS.join(','),
  'tweet.fields': TWEET_FIELDS.join(','),
};

describe('answers match X OpenAPI spec', () => {
  let sandbox: Sandbox;
  let mainId: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
    mainId = sandbox.users[0]!.id;
  });
  afterAll(() => sandbox.close());

  it.each(['top-level', 'nested'] as const)('GET /2/dm_events: every page to the end, plus the empty page (%s entities)', async (shape) => {
    sandbox.setEntityShape(shape);
    try {
      let token: string | undefined;
      let first: Answer | undefined;
      do {
        const answer = await get(sandbox, '/2/dm_events', { query: { ...ALL_DM, max_results: 60, pagination_token: token } });
        first ??= answer;
        validateAnswer('/2/dm_events', answer);
        token = answer.body.meta.next_token;
      } while (token);
      const empty = await get(sandbox, '/2/dm_events', { query: { pagination_token: first!.body.meta.previous_token } });
      expect(empty.body).toEqual({ meta: { result_count: 0 } });
      validateAnswer('/2/dm_events', empty);
    } finally {
      sandbox.setEntityShape('top-level');
    }
  });

  it('GET /2/dm_conversations/{id}/dm_events for every conversation of the main user, and a foreign one', async () => {
    for (const c of sandbox.data.conversations) {
      const answer = await get(sandbox, `/2/dm_conversations/${c.id}/dm_events`, { query: ALL_DM });
      validateAnswer('/2/dm_conversations/{id}/dm_events', answer);
      expect(answer.body.meta.result_count > 0).toBe(c.participantIds.includes(mainId));
    }
  });

  it('GET /2/dm_conversations/with/{participant_id}/dm_events, with data and empty', async () => {
    for (const user of sandbox.users.slice(1, 14)) {
      validateAnswer('/2/dm_conversations/with/{participant_id}/dm_events', await get(sandbox, `/2/dm_conversations/with/${user.id}/dm_events`, { query: ALL_DM }));
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
    for (const e of samples) validateAnswer('/2/dm_events/{event_id}', await get(sandbox, `/2/dm_events/${e.id}`, { query: ALL_DM }));
    const missing = await get(sandbox, '/2/dm_events/42', { query: ALL_DM });
    expect(missing.body.errors).toHaveLength(1);
    validateAnswer('/2/dm_events/{event_id}', missing);
  });

  it('GET /2/users, /2/users/me and /2/users/{id} with every field and expansion, and not-found errors', async () => {
    const query = { 'user.fields': USER_FIELDS.join(','), expansions: USER_EXPANSIONS.join(','), 'tweet.fields': TWEET_FIELDS.join(',') };
    validateAnswer('/2/users', await get(sandbox, '/2/users', { query: { ...query, ids: [...sandbox.users.map((u) => u.id), '1'].join(',') } }));
    validateAnswer('/2/users', await get(sandbox, '/2/users', { query: { ids: '1,2' } }));
    validateAnswer('/2/users/me', await get(sandbox, '/2/users/me', { query }));
    validateAnswer('/2/users/{id}', await get(sandbox, `/2/users/${sandbox.users[9]!.id}`, { query }));
    validateAnswer('/2/users/{id}', await get(sandbox, '/2/users/3', { query }));
  });

  it('GET /2/tweets and /2/tweets/{id} with every field and expansion, and not-found errors', async () => {
    const query = {
      'tweet.fields': TWEET_FIELDS.join(','),
      expansions: TWEET_EXPANSIONS.join(','),
      'media.fields': MEDIA_FIELDS.join(','),
      'poll.fields': POLL_FIELDS.join(','),
      'user.fields': USER_FIELDS.join(','),
      'place.fields': PLACE_FIELDS.join(','),
    };
    const ids = [...sandbox.data.tweets.map((t) => t.id!), sandbox.data.missingTweetId];
    const answer = await get(sandbox, '/2/tweets', { query: { ...query, ids: ids.slice(0, 100).join(',') } });
    expect(answer.body.includes.polls.length && answer.body.includes.places.length && answer.body.errors.length).toBeTruthy();
    validateAnswer('/2/tweets', answer);
    validateAnswer('/2/tweets/{id}', await get(sandbox, `/2/tweets/${ids[0]}`, { query }));
    validateAnswer('/2/tweets/{id}', await get(sandbox, `/2/tweets/${sandbox.data.missingTweetId}`));
  });

  it('400, 401, 403 and 429 problem bodies', async () => {
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events', { query: { max_results: 0, foo: 'x', 'dm_event.fields': '' } }));
    validateAnswer('/2/users', await get(sandbox, '/2/users'));
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events', { token: null }));
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events', { token: sandbox.appOnlyToken }));
    sandbox.injectFaults({ type: 'status', status: 429 });
    validateAnswer('/2/dm_events', await get(sandbox, '/2/dm_events'));
    sandbox.setRateLimit(1, 60_000);
    try {
      await get(sandbox, '/2/users/me');
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

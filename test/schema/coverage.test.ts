/**
 * The X object types cover their X vocabularies: every value `user.fields`, `tweet.fields` (`post.fields`),
 * `media.fields`, `poll.fields` and `place.fields` can ask for in either of X's specs, and every id field an expansion
 * brings in spec 2.167, is read by some field of its type; no field reads anything else, and every link names an
 * expansion X offers. The needs are read from the built schema, as the planner reads them.
 */
import type { GraphQLEnumType, GraphQLField, GraphQLNamedType, GraphQLObjectType, GraphQLType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { KIND_KEY, NEEDS_KEY, type XNeeds } from '../../src/planner/needs.js';
import { FIELDS_PARAM, type XKind } from '../../src/x/params.js';
import { schema } from '../../src/schema/index.js';
import { DIALECTS } from '../../src/x/dialect.js';
import { sandboxDialect } from '../../src/sandbox/speech.js';
import { SPEC_VOCABULARY } from '../../src/x/generated/vocabulary.js';
import { DM_EVENT_EXPANSIONS, TWEET_EXPANSIONS, USER_EXPANSIONS } from '../../src/x/wire.js';

/**
 * What a `kind`'s fields parameter can ask for in either dialect, in the gateway's names: each spec's values, and the
 * id fields 2.167 brings only with an expansion, read back as the sandbox reads them.
 */
function vocabularyOf(kind: XKind, operation: 'GET /2/users' | 'GET /2/tweets'): string[] {
  const names = new Set<string>();
  for (const dialect of Object.values(DIALECTS)) {
    const parameters = SPEC_VOCABULARY[dialect.specVersion][operation] as Record<
      string,
      { values?: readonly string[] }
    >;
    const wire = Object.fromEntries(
      Object.entries(parameters).flatMap(([name, rule]) => (rule.values ? [[name, rule.values.join(',')]] : [])),
    );
    const own = sandboxDialect(dialect.name).readSelection(operation === 'GET /2/users' ? 'user' : 'tweet', wire);
    for (const name of own[FIELDS_PARAM[kind]]?.split(',') ?? []) names.add(name);
  }
  return [...names].sort();
}

interface Covered {
  readonly typeName: string;
  readonly kind: XKind;
  readonly vocabulary: readonly string[];
  /** The expansions of the lookup endpoint of this object; links below it must name one of these (or a DM one). */
  readonly expansions: readonly string[];
}

const COVERED: readonly Covered[] = [
  { typeName: 'User', kind: 'user', vocabulary: vocabularyOf('user', 'GET /2/users'), expansions: USER_EXPANSIONS },
  {
    typeName: 'Tweet',
    kind: 'tweet',
    vocabulary: vocabularyOf('tweet', 'GET /2/tweets'),
    expansions: TWEET_EXPANSIONS,
  },
  { typeName: 'Media', kind: 'media', vocabulary: vocabularyOf('media', 'GET /2/tweets'), expansions: [] },
  { typeName: 'Poll', kind: 'poll', vocabulary: vocabularyOf('poll', 'GET /2/tweets'), expansions: [] },
  { typeName: 'Place', kind: 'place', vocabulary: vocabularyOf('place', 'GET /2/tweets'), expansions: [] },
];

/**
 * Entity types shared by DMs, posts and profiles (entities.ts): their links name the expansion of the object they
 * were written for, so below another object they are only held to the expansions X offers anywhere.
 */
const SHARED_TYPES = new Set(['MentionEntity']);
const ANY_EXPANSION = new Set<string>([...DM_EVENT_EXPANSIONS, ...USER_EXPANSIONS, ...TWEET_EXPANSIONS]);

const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/;
const SCREAMING_SNAKE_CASE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/*
 * graphql-js's `isObjectType` and friends check `instanceof`, and under vitest the schema (built by Pothos, loaded by
 * Node) and this file (transformed by Vite) can hold two copies of graphql. So types are told apart by their tag.
 */
function isObjectType(type: unknown): type is GraphQLObjectType {
  return Object.prototype.toString.call(type) === '[object GraphQLObjectType]';
}

function isEnumType(type: unknown): type is GraphQLEnumType {
  return Object.prototype.toString.call(type) === '[object GraphQLEnumType]';
}

function getNamedType(type: GraphQLType): GraphQLNamedType {
  let named: GraphQLType = type;
  while ('ofType' in named) named = named.ofType;
  return named;
}

function objectType(name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`${name} is not an object type of the schema`);
  return type;
}

function needsOf(field: GraphQLField<unknown, unknown>): XNeeds | undefined {
  return field.extensions[NEEDS_KEY] as XNeeds | undefined;
}

function kindOf(type: GraphQLNamedType): XKind | undefined {
  return isObjectType(type) ? (type.extensions[KIND_KEY] as XKind | undefined) : undefined;
}

/** `restId` stands for X's `id`, which X always returns; `id` is the Relay global id and reads nothing. */
function xFieldsRead(typeName: string): string[] {
  const read = new Set<string>();
  for (const field of Object.values(objectType(typeName).getFields())) {
    if (field.name === 'restId') read.add('id');
    for (const name of needsOf(field)?.fields ?? []) read.add(name);
  }
  return [...read].sort();
}

interface Reached {
  /** `Type.field` */
  readonly path: string;
  readonly typeName: string;
  readonly field: GraphQLField<unknown, unknown>;
}

/** The fields of `typeName` and of the value objects below it, down to (not into) the next X objects. */
function fieldsBelow(typeName: string): Reached[] {
  const reached: Reached[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const field of Object.values(objectType(name).getFields())) {
      reached.push({ path: `${name}.${field.name}`, typeName: name, field });
      const child = getNamedType(field.type);
      if (isObjectType(child) && kindOf(child) === undefined) visit(child.name);
    }
  };
  visit(typeName);
  return reached;
}

describe.each(COVERED)('$typeName', ({ typeName, kind, vocabulary, expansions }) => {
  it(`stands for the X kind ${kind}`, () => {
    expect(kindOf(objectType(typeName))).toBe(kind);
  });

  it('reads exactly the X fields its fields parameter offers', () => {
    const read = xFieldsRead(typeName);
    expect({ missing: vocabulary.filter((name) => !read.includes(name)) }).toEqual({ missing: [] });
    expect({ unknown: read.filter((name) => !vocabulary.includes(name)) }).toEqual({ unknown: [] });
  });

  it('declares what each of its own fields reads (all but `id` and `restId`)', () => {
    const silent = Object.values(objectType(typeName).getFields())
      .filter((field) => field.name !== 'id' && field.name !== 'restId')
      .filter((field) => (needsOf(field)?.fields?.length ?? 0) === 0)
      .map((field) => field.name);
    expect(silent).toEqual([]);
  });

  it('links only through expansions X offers, to objects of the kind it names', () => {
    const allowed = new Set<string>([...expansions, ...DM_EVENT_EXPANSIONS]);
    const problems: string[] = [];
    for (const { path, typeName: owner, field } of fieldsBelow(typeName)) {
      const link = needsOf(field)?.link;
      const target = kindOf(getNamedType(field.type));
      if (!link) {
        if (target !== undefined) problems.push(`${path} leads to ${target} without declaring a link`);
        continue;
      }
      if (target !== link.kind) problems.push(`${path} links to ${link.kind} but returns ${String(target)}`);
      const ok =
        link.expansion !== undefined && (SHARED_TYPES.has(owner) ? ANY_EXPANSION : allowed).has(link.expansion);
      if (!ok) problems.push(`${path} names the expansion ${String(link.expansion)}`);
      // A link on the X object itself names the id field it follows; below, the outer field already reads it.
      if (owner === typeName && (needsOf(field)?.fields?.length ?? 0) === 0) problems.push(`${path} names no id field`);
    }
    expect(problems).toEqual([]);
  });

  it('names fields in camelCase and enum values in SCREAMING_SNAKE_CASE', () => {
    const badFields: string[] = [];
    const badValues: string[] = [];
    for (const { path, field } of fieldsBelow(typeName)) {
      if (!CAMEL_CASE.test(field.name)) badFields.push(path);
      const named = getNamedType(field.type);
      if (isEnumType(named)) {
        for (const value of named.getValues()) {
          if (!SCREAMING_SNAKE_CASE.test(value.name)) badValues.push(`${named.name}.${value.name}`);
        }
      }
    }
    expect(badFields).toEqual([]);
    expect(badValues).toEqual([]);
  });
});

it('keeps the plain id fields next to the links of users and posts', () => {
  const fields = (name: string) => Object.keys(objectType(name).getFields());
  expect(fields('User')).toEqual(
    expect.arrayContaining(['pinnedTweetId', 'pinnedTweet', 'mostRecentTweetId', 'mostRecentTweet']),
  );
  expect(fields('Tweet')).toEqual(
    expect.arrayContaining(['authorId', 'author', 'inReplyToUserId', 'inReplyToUser', 'editHistoryTweetIds']),
  );
  expect(fields('TweetAttachments')).toEqual(expect.arrayContaining(['mediaKeys', 'media', 'pollIds', 'polls']));
  expect(fields('TweetGeo')).toEqual(expect.arrayContaining(['placeId', 'place', 'coordinates']));
  expect(fields('TweetReference')).toEqual(expect.arrayContaining(['type', 'restId', 'tweet']));
  expect(fields('UserAffiliation')).toEqual(expect.arrayContaining(['userId', 'users']));
});

it('holds both specs’ vocabularies, 2.167’s new fields and expansion-carried ids included', () => {
  expect(vocabularyOf('user', 'GET /2/users')).toEqual(
    expect.arrayContaining([
      'subscribes_to_you',
      'pinned_tweet_id',
      'most_recent_tweet_id',
      'affiliation',
      'receives_your_dm',
    ]),
  );
  expect(vocabularyOf('tweet', 'GET /2/tweets')).toEqual(
    expect.arrayContaining([
      'article_title',
      'matched_media_notes',
      'note_request_suggestions',
      'paid_partnership',
      'author_id',
      'note_tweet',
    ]),
  );
});

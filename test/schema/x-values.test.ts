/**
 * `withXValueGetters`: value types answer through getters, with no resolver of their own, exactly what their
 * resolvers answered; a type whose getters would clash with another's keeps its resolvers.
 */
import {
  type GraphQLFieldConfig,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLOutputType,
  graphql,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema as gatewaySchema } from '../../src/schema/index.js';
import { withXValueGetters } from '../../src/schema/x-values.js';

type Source = Record<string, unknown>;

/** A field as Pothos's `t.expose*` makes it: reads `key`, with a resolver when the names differ. */
function exposed(type: GraphQLOutputType, key: string, name: string): GraphQLFieldConfig<Source, unknown> {
  return {
    type,
    extensions: { pothosExposedField: key },
    ...(key !== name && { resolve: (source: Source) => source[key] }),
  };
}

function build() {
  const Image = new GraphQLObjectType<Source>({
    name: 'Image',
    fields: { url: exposed(GraphQLString, 'url', 'url'), widthPx: exposed(GraphQLInt, 'width_px', 'widthPx') },
  });
  const Link = new GraphQLObjectType<Source>({
    name: 'Link',
    fields: {
      url: exposed(GraphQLString, 'url', 'url'),
      expandedUrl: exposed(GraphQLString, 'expanded_url', 'expandedUrl'),
      images: exposed(new GraphQLList(Image), 'images', 'images'),
    },
  });
  // Its `expandedUrl` would read another key than Link's: it keeps its resolvers.
  const Odd = new GraphQLObjectType<Source>({
    name: 'Odd',
    fields: { expandedUrl: exposed(GraphQLString, 'long_url', 'expandedUrl') },
  });
  const Post = new GraphQLObjectType<Source>({
    name: 'Post',
    fields: {
      links: { type: new GraphQLList(Link), resolve: (source) => Promise.resolve(source.entities_urls) },
      firstLink: exposed(Link, 'first_link', 'firstLink'),
      plainLinks: { type: new GraphQLList(Link) },
      odd: { type: Odd },
    },
  });
  const post = {
    entities_urls: [{ url: 'u1', expanded_url: 'e1', images: [{ url: 'i1', width_px: 10 }] }, null],
    first_link: { url: 'u2', expanded_url: 'e2', images: null },
    plainLinks: [{ url: 'u3', expanded_url: 'e3' }],
    odd: { long_url: 'long' },
  };
  const Query = new GraphQLObjectType({ name: 'Query', fields: { post: { type: Post, resolve: () => post } } });
  return new GraphQLSchema({ query: Query });
}

const QUERY = `{ post {
  links { url expandedUrl images { url widthPx } }
  firstLink { url expandedUrl images { url } }
  plainLinks { url expandedUrl }
  odd { expandedUrl }
} }`;

describe('withXValueGetters', () => {
  it('answers what the resolvers answered, with none left on the value types', async () => {
    const before = await graphql({ schema: build(), source: QUERY });
    const schema = withXValueGetters(build());
    const after = await graphql({ schema, source: QUERY });
    expect(before.errors).toBeUndefined();
    expect(after).toEqual(before);
    expect(after.data).toEqual({
      post: {
        links: [{ url: 'u1', expandedUrl: 'e1', images: [{ url: 'i1', widthPx: 10 }] }, null],
        firstLink: { url: 'u2', expandedUrl: 'e2', images: null },
        plainLinks: [{ url: 'u3', expandedUrl: 'e3' }],
        odd: { expandedUrl: 'long' },
      },
    });
    const fields = (name: string) => (schema.getType(name) as GraphQLObjectType).getFields();
    expect(fields('Link').expandedUrl!.resolve).toBeUndefined();
    expect(fields('Image').widthPx!.resolve).toBeUndefined();
    // Where the names would clash, the later type keeps its resolver.
    expect(fields('Odd').expandedUrl!.resolve).toBeDefined();
  });

  it('leaves the gateway schema’s value types without resolvers (a URL entity, a post’s metrics)', () => {
    const fields = (name: string) => (gatewaySchema.getType(name) as GraphQLObjectType).getFields();
    expect(fields('UrlEntity').expandedUrl!.resolve).toBeUndefined();
    expect(fields('TweetPublicMetrics').retweetCount!.resolve).toBeUndefined();
    expect(fields('UserPublicMetrics').followersCount!.resolve).toBeUndefined();
  });
});

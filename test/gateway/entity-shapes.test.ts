/**
 * X sends a DM's entity arrays at the top level (its spec) or under `entities` (its newer docs): the GraphQL answer
 * is the same either way.
 */
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';

const h = useGateway();

const ENTITIES = `{ dmEvents(first: 100) { nodes { restId entities {
  hashtags { tag start end } cashtags { tag start end } mentions { username userId start end }
  urls { url expandedUrl displayUrl unwoundUrl title status images { url width height } start end }
} } } }`;

describe('entity shapes', () => {
  it('give the same answer, with every kind of entity present', async () => {
    h.sandbox.setEntityShape('top-level');
    const topLevel = await h.query(ENTITIES);
    h.sandbox.setEntityShape('nested');
    const nested = await h.query(ENTITIES);
    h.sandbox.setEntityShape('top-level');
    expect(topLevel.errors).toBeUndefined();
    expect(nested.data).toEqual(topLevel.data);
    const entities = topLevel.data.dmEvents.nodes.map((n: any) => n.entities).filter(Boolean);
    for (const kind of ['hashtags', 'cashtags', 'mentions', 'urls']) {
      expect(
        entities.some((e: any) => e[kind].length > 0),
        kind,
      ).toBe(true);
    }
  });

  it('keep offsets that point at the entity in the text', async () => {
    const answer = await h.query(
      `{ dmEvents(first: 100) { nodes { text entities { hashtags { tag start end } mentions { username start end } } } } }`,
    );
    let checked = 0;
    for (const node of answer.data.dmEvents.nodes) {
      const text = [...(node.text ?? '')];
      for (const hashtag of node.entities?.hashtags ?? []) {
        expect(text.slice(hashtag.start, hashtag.end).join('')).toBe(`#${hashtag.tag}`);
        checked += 1;
      }
      for (const mention of node.entities?.mentions ?? []) {
        expect(text.slice(mention.start, mention.end).join('')).toBe(`@${mention.username}`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

/** `DateTime` is RFC 3339 in UTC whatever form X used, the legacy `Wed Jan 06 18:40:40 +0000 2021` included. */
import { describe, expect, it } from 'vitest';
import { toRfc3339 } from '../../src/schema/scalars.js';
import { useGateway } from '../support/harness.js';

const h = useGateway();
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('DateTime', () => {
  it('turns both of X forms into RFC 3339 UTC', () => {
    expect(toRfc3339('Wed Jan 06 18:40:40 +0000 2021')).toBe('2021-01-06T18:40:40Z');
    expect(toRfc3339('2023-11-07T05:31:56.000Z')).toBe('2023-11-07T05:31:56Z');
    expect(toRfc3339('2023-11-07T07:31:56.250+02:00')).toBe('2023-11-07T05:31:56.250Z');
    expect(() => toRfc3339('yesterday')).toThrow();
  });

  it('a tweet X dates in the legacy form is served in RFC 3339', async () => {
    const legacy = h.sandbox.data.tweets.find((tweet) => tweet.created_at?.startsWith('Wed Jan 06'))!;
    const answer = await h.query('query($id: ID!) { node(id: $id) { ... on Tweet { createdAt } } }', {
      id: Buffer.from(`Tweet:${legacy.id}`).toString('base64'),
    });
    expect(answer.data.node.createdAt).toBe('2021-01-06T18:40:40Z');
  });

  it('every date of a page is RFC 3339 UTC', async () => {
    const answer = await h.query('{ dmEvents(first: 100) { nodes { createdAt referencedTweets { createdAt } } } }');
    const dates = answer.data.dmEvents.nodes.flatMap((n: any) => [
      n.createdAt,
      ...(n.referencedTweets ?? []).map((t: any) => t.createdAt),
    ]);
    expect(dates.length).toBeGreaterThan(100);
    for (const date of dates) expect(date).toMatch(RFC3339_UTC);
  });
});

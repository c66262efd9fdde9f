/**
 * GraphQL over HTTP conformance: graphql-http's server audits against the gateway, over a real HTTP port and in
 * process through `gateway.fetch`. Every MUST audit passes; so does every SHOULD and MAY audit today, and one that
 * stops passing fails here unless it is listed in `KNOWN_GAPS` with its reason (and in the README).
 *
 * The audits send no Authorization header and query `{ __typename }` and the like, which need no call to X.
 */
import { type Audit, serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/harness.js';
import { listen } from './listen.js';

const h = useGateway();
const server = listen(h);

/** SHOULD and MAY audits the gateway does not pass, by audit id, with the reason. None at the moment. */
const KNOWN_GAPS: Record<string, string> = {};

/** The audits' list is the same for every URL; `url` is read when an audit runs. */
const transports = [
  ['over HTTP on 127.0.0.1', serverAudits({ url: () => server.url })],
  [
    'in process (gateway.fetch)',
    serverAudits({
      url: 'http://gateway.in-process/graphql',
      fetchFn: (input: string, init?: RequestInit) => h.gateway.fetch(new Request(input, init)),
    }),
  ],
] as const;

const byLevel = (audits: readonly Audit[], level: RegExp) => audits.filter((audit) => level.test(audit.name));

async function run(audit: Audit): Promise<void> {
  const result = await audit.fn();
  if (result.status === 'ok') return;
  let body = '';
  try {
    body = await result.response.text();
  } catch {
    // the audit read it already
  }
  throw new Error(`${audit.name}: ${result.reason} (HTTP ${result.response.status}) ${body.slice(0, 300)}`);
}

describe.each(transports)('graphql-http server audits, %s', (_transport, audits) => {
  it('cover MUST, SHOULD and MAY requirements', () => {
    expect(byLevel(audits, /^MUST /).length).toBeGreaterThan(10);
    expect(byLevel(audits, /^(SHOULD|MAY) /).length).toBeGreaterThan(10);
    expect(byLevel(audits, /^(MUST|SHOULD|MAY) /)).toHaveLength(audits.length);
  });

  describe('MUST', () => {
    it.each(byLevel(audits, /^MUST /).map((audit) => [`${audit.id} ${audit.name}`, audit] as const))(
      '%s',
      (_name, audit) => run(audit),
    );
  });

  describe('SHOULD and MAY', () => {
    const optional = byLevel(audits, /^(SHOULD|MAY) /);
    it.each(
      optional
        .filter((audit) => !(audit.id in KNOWN_GAPS))
        .map((audit) => [`${audit.id} ${audit.name}`, audit] as const),
    )('%s', (_name, audit) => run(audit));
    it.each(
      optional.filter((audit) => audit.id in KNOWN_GAPS).map((audit) => [`${audit.id} ${audit.name}`, audit] as const),
    )('%s (known gap)', async (_name, audit) => {
      expect((await audit.fn()).status, `${audit.id} passes now: drop it from KNOWN_GAPS and the README`).not.toBe(
        'ok',
      );
    });
  });
});

/**
 * Errors inside the gateway are masked as "Unexpected error." unless in development mode; the gateway's own errors
 * keep their message and code either way.
 */
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { UpstreamError } from '../../src/errors.js';
import type { UpstreamTransport } from '../../src/upstream/client.js';

function gatewayWhoseTransport(failure: Error, development: boolean) {
  const transport: UpstreamTransport = { get: () => Promise.reject(failure) };
  return createGateway({ upstream: transport, development });
}

async function ask(gateway: ReturnType<typeof createGateway>) {
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    body: JSON.stringify({ query: '{ dmEvents { nodes { text } } }' }),
  });
  return (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
}

const bug = new TypeError('secret internals at line 42');

describe('error masking', () => {
  it('masks an internal error', async () => {
    const answer = await ask(gatewayWhoseTransport(bug, false));
    expect(answer.errors[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(answer)).not.toContain('secret internals');
  });

  it('shows it in development mode', async () => {
    const answer = await ask(gatewayWhoseTransport(bug, true));
    expect(answer.errors[0]!.message).toBe('secret internals at line 42');
  });

  it("keeps the gateway's own errors as they are", async () => {
    const answer = await ask(
      gatewayWhoseTransport(new UpstreamError('X answered 503 Service Unavailable', { status: 503 }), false),
    );
    expect(answer.errors[0]).toMatchObject({
      message: 'X answered 503 Service Unavailable',
      extensions: { code: 'UPSTREAM_ERROR' },
    });
  });
});

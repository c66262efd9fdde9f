/** The suite-wide log capture sees what is logged, and knows a token when it sees one. */
import { describe, expect, it } from 'vitest';
import { capturedLogs, firstSecret, forgetLogs } from '../support/log-capture.js';
import { useGateway } from '../support/harness.js';

const h = useGateway();

describe('log capture', () => {
  it('records console output and spots bearer tokens in it', () => {
    console.warn('probe: Authorization: Bearer sandbox-token-7');
    expect(firstSecret(capturedLogs())).toContain('probe: Authorization: Bearer sandbox-token-7');
    forgetLogs((line) => line.startsWith('probe:'));
    expect(firstSecret(capturedLogs())).toBeUndefined();
  });

  it('logs nothing with a token when X fails inside the gateway', async () => {
    h.sandbox.injectFaults({ type: 'status', status: 500 });
    const answer = await h.query('{ dmEvents { nodes { text } } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(firstSecret(capturedLogs())).toBeUndefined();
  });
});

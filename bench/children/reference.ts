/**
 * Arm E: the reference (`lib/reference.ts`), reaching the fixed upstream with one undici `request` per operation.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { createReference } from '../lib/reference.js';
import { runChild, upstreamArg } from './child.js';

const pool = new Pool(upstreamArg(), { connections: 32, pipelining: 1 });

const yoga = createReference(async (path, authorization) => {
  const res = await pool.request({
    method: 'GET',
    path,
    headers: { accept: 'application/json', ...(authorization && { authorization }) },
  });
  const body = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode !== 200) throw new Error(`X answered ${res.statusCode}`);
  return body;
});
await runChild(createServer(yoga), { close: () => pool.close() });

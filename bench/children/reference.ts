/**
 * Arm E: the reference (`lib/reference.ts`), reaching the fixed upstream with one undici `request` per call to X.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { createReference } from '../lib/reference.js';
import { runChild, upstreamArg } from './child.js';

const pool = new Pool(upstreamArg(), { connections: 32, pipelining: 1 });

const yoga = createReference(async <T>(path: string, authorization: string | null) => {
  const res = await pool.request({
    method: 'GET',
    path,
    headers: { accept: 'application/json', ...(authorization && { authorization }) },
  });
  const body = (await res.body.json()) as T;
  if (res.statusCode !== 200) throw new Error(`X answered ${res.statusCode}`);
  return body;
});
await runChild(
  createServer((req, res) => void yoga(req, res)),
  { close: () => pool.close() },
);

/**
 * The benchmark harness (`npm run bench`), run very short: every arm starts, answers each page size of each case
 * correctly (status 200, the expected shape, the gateway's answer holding the page's events; `runBench` checks each
 * answer before loading it and throws when one is wrong), and the load runs count what they should, calls to X
 * included. No timing is asserted: the machine is shared and noisy.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type ArmId, lookupsNeeded } from '../../bench/lib/arms.js';
import { runBench } from '../../bench/lib/harness.js';
import { buildLookups, buildPages } from '../../bench/lib/pages.js';
import { buildReport } from '../../bench/lib/report.js';

function meshInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@omnigraph/openapi');
    return true;
  } catch {
    return false;
  }
}

const SIZES = [1, 10];

describe('benchmark harness', () => {
  it('builds X-shaped pages with every expansion filled', () => {
    const pages = buildPages([1, 10, 100]);
    for (const size of [1, 10, 100]) {
      const page = pages.get(size)!;
      expect(page.body.data).toHaveLength(size);
      expect(page.body.meta.result_count).toBe(size);
      expect(page.body.meta.next_token).toMatch(/^[A-Z0-9]{24}$/);
      expect(page.body.includes?.users?.length).toBeGreaterThan(0);
      expect(page.body.includes?.media?.length).toBeGreaterThan(0);
      expect(page.body.includes?.tweets?.length).toBeGreaterThan(0);
      expect(JSON.parse(page.bytes.toString('utf8'))).toEqual(page.body);
      for (const event of page.body.data!) {
        if (event.event_type !== 'MessageCreate') continue;
        expect(event.attachments?.media_keys?.length).toBeGreaterThan(0);
        expect(event.referenced_tweets?.length).toBeGreaterThan(0);
        expect(Boolean(event.hashtags || event.cashtags || event.mentions || event.urls)).toBe(true);
      }
    }
    expect(pages.get(10)!.body.data!.some((e) => e.participant_ids?.length)).toBe(true);
  });

  it('leaves some post authors out of each page, for the app case to look up, and answers those lookups', () => {
    const pages = buildPages([1, 10, 100]);
    const lookups = buildLookups();
    for (const size of [1, 10, 100]) {
      const page = pages.get(size)!;
      const needed = lookupsNeeded(page.body.data!, page.body.includes);
      // Authors X does not expand on a DM page, fewer than X's 100 ids a lookup; every referenced post is in the page.
      expect(needed.users.length).toBeGreaterThan(0);
      expect(needed.users.length).toBeLessThanOrEqual(100);
      expect(needed.tweets).toEqual([]);
      const answer = lookups.answer(
        'users',
        new URLSearchParams({ ids: needed.users.join(','), 'user.fields': 'profile_image_url,verified' }),
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.map((u) => u.id)).toEqual(needed.users);
      for (const user of answer.data!)
        expect(Object.keys(user).sort()).toEqual(['id', 'name', 'profile_image_url', 'username', 'verified']);
    }
    const missing = lookups.answer('tweets', new URLSearchParams({ ids: '1,2' }));
    expect(missing.data).toBeUndefined();
    expect(missing.errors!.map((e) => e.resource_id)).toEqual(['1', '2']);
  });

  it('runs every arm on the same pages and checks their answers', { timeout: 120_000 }, async () => {
    const arms: ArmId[] = meshInstalled() ? ['A', 'B', 'C', 'D', 'E', 'F'] : ['A', 'B', 'C', 'E', 'F'];
    const results = await runBench({
      arms,
      cases: ['everything', 'app'],
      sizes: SIZES,
      durationS: 0.3,
      runs: 1,
      warmupS: 0,
      concurrency: { latency: 1, capacity: 8 },
    });

    expect(results.arms.map((a) => a.arm)).toEqual(arms);
    const pages = buildPages([...SIZES, 100]);
    const appArms = ['C', 'E', 'F'];
    for (const arm of results.arms) {
      expect(arm.reason).toBeUndefined();
      expect(arm.ran).toBe(true);
      const cases = appArms.includes(arm.arm) ? ['everything', 'app'] : ['everything'];
      expect(arm.cases).toEqual(cases);
      expect(arm.probes.map((p) => `${p.case} ${p.size}`)).toEqual(
        SIZES.flatMap((size) => cases.map((c) => `${c} ${size}`)),
      );
      for (const probe of arm.probes) {
        // Everything: one operation, one call to X; the gateway (and Mesh, and the reference) plan the whole page
        // into one GET /2/dm_events. App: that call, then one users lookup for the posts' authors the page lacks.
        // From memory (F): the first operation fills it, the next ones call X no more.
        const warm = probe.case === 'app' ? { '/2/dm_events': 1, '/2/users': 1 } : { '/2/dm_events': 1 };
        expect(probe.upstreamCallsByPath).toEqual(arm.arm === 'F' ? {} : warm);
        expect(probe.upstreamCalls).toBe(arm.arm === 'F' ? 0 : Object.keys(warm).length);
        if (arm.arm === 'F') {
          // The memory reads X's page of 100 events, whose includes carry more users: it looks up the authors of
          // this page's posts that even that page lacks.
          const lacking = lookupsNeeded(pages.get(probe.size)!.body.data!, pages.get(100)!.body.includes).users;
          const cold = {
            '/2/users/me': 1,
            '/2/dm_events': 1,
            ...(probe.case === 'app' && lacking.length > 0 && { '/2/users': 1 }),
          };
          expect(probe.coldUpstreamCallsByPath).toEqual(cold);
          expect(probe.coldUpstreamCalls).toBe(Object.keys(cold).length);
        }
        expect(probe.responseBytes).toBeGreaterThan(0);
        // E and F answer the arm-C operation with arm C's data (cursors aside); runBench throws when they differ.
        if (arm.arm === 'E' || arm.arm === 'F') expect(probe.sameDataAsC).toBe(true);
      }
      expect(arm.cells).toHaveLength(SIZES.length * 2 * cases.length);
      for (const cell of arm.cells) {
        expect(cell.summary.ok).toBeGreaterThan(0);
        expect(cell.summary.failed).toBe(0);
        // Drained runs: every answered operation cost exactly its upstream calls; from memory, none.
        expect(cell.summary.upstreamCallsPerOp).toBe(arm.arm === 'F' ? 0 : cell.case === 'app' ? 2 : 1);
        expect(cell.summary.cpuMsPerRequest).toBeGreaterThan(0);
        expect(cell.summary.peakRss).toBeGreaterThan(0);
        expect(Number.isFinite(cell.summary.p50)).toBe(true);
      }
    }
    // Arms A and B hand back the upstream's bytes untouched.
    const a = results.arms.find((x) => x.arm === 'A')!;
    const b = results.arms.find((x) => x.arm === 'B')!;
    expect(b.probes.map((p) => p.responseBytes)).toEqual(a.probes.map((p) => p.responseBytes));

    const report = buildReport(results, undefined, { run: 'test' });
    expect(report.markdown).toContain('| C gateway | 10 |');
    expect(report.comparisons.map((c) => c.size)).toEqual(SIZES);
    expect(report.comparisons.every((c) => c.throughputCoverB !== undefined && c.latencyCminusA !== undefined)).toBe(
      true,
    );
    expect(report.comparisons.every((c) => c.cpuCoverE !== undefined && c.cpuFoverE !== undefined)).toBe(true);
    expect(report.markdown).toContain('| E reference yoga + graphql-jit | 10 |');
    expect(report.markdown).toContain('| F gateway from memory | 10 |');
    expect(report.markdown).toContain('## App case');
    expect(report.appComparisons.map((c) => c.size)).toEqual(SIZES);
    for (const c of report.appComparisons) {
      expect(c.cpuCoverE).toBeGreaterThan(0);
      expect(c.cpuFoverE).toBeGreaterThan(0);
      expect([c.upstreamCallsPerOpC, c.upstreamCallsPerOpE, c.upstreamCallsPerOpF]).toEqual([2, 2, 0]);
    }
    expect(report.targets.filter((t) => t.target.startsWith('app case:'))).toHaveLength(7);
  });

  it('runs the app case alone, with arms C, E and F only', { timeout: 120_000 }, async () => {
    const results = await runBench({
      arms: ['A', 'C', 'E', 'F'],
      cases: ['app'],
      sizes: [100],
      durationS: 0.3,
      runs: 1,
      warmupS: 0,
      concurrency: { latency: 1, capacity: 8 },
    });
    expect(results.arms.map((a) => a.arm)).toEqual(['C', 'E', 'F']);
    for (const arm of results.arms) {
      expect(arm.probes.map((p) => p.sameDataAsC ?? 'C')).toEqual([arm.arm === 'C' ? 'C' : true]);
      for (const cell of arm.cells) {
        expect(cell.case).toBe('app');
        expect(cell.summary.failed).toBe(0);
        expect(cell.summary.upstreamCallsPerOp).toBe(arm.arm === 'F' ? 0 : 2);
      }
    }
  });

  it(
    'runs the bookkeeping benchmark (`npm run bench:call-bookkeeping`) to its end, every part measured',
    { timeout: 120_000 },
    async () => {
      const script = fileURLToPath(new URL('../../bench/call-bookkeeping.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        env: { ...process.env, CALLS: '200', HTTP_MS: '50' },
      });
      for (const part of [
        /one call through a new X session: [\d.]+ µs/,
        /the operation checks of a request seen before: [\d.]+ µs/,
        /one call over HTTP .*: [\d.]+ µs through UpstreamClient, [\d.]+ µs with undici's request/,
      ]) {
        expect(stdout).toMatch(part);
      }
    },
  );
});

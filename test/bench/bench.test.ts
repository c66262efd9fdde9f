/**
 * The benchmark harness (`npm run bench`), run very short: every arm starts, answers each page size correctly
 * (status 200, the expected shape, the gateway's answer holding the page's events; `runBench` checks each answer
 * before loading it and throws when one is wrong), and the load runs count what they should. No timing is asserted:
 * the machine is shared and noisy.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ArmId } from '../../bench/lib/arms.js';
import { runBench } from '../../bench/lib/harness.js';
import { buildPages } from '../../bench/lib/pages.js';
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

  it('runs every arm on the same pages and checks their answers', { timeout: 120_000 }, async () => {
    const arms: ArmId[] = meshInstalled() ? ['A', 'B', 'C', 'D', 'E', 'F'] : ['A', 'B', 'C', 'E', 'F'];
    const results = await runBench({
      arms,
      sizes: SIZES,
      durationS: 0.3,
      runs: 1,
      warmupS: 0,
      concurrency: { latency: 1, capacity: 8 },
    });

    expect(results.arms.map((a) => a.arm)).toEqual(arms);
    for (const arm of results.arms) {
      expect(arm.reason).toBeUndefined();
      expect(arm.ran).toBe(true);
      expect(arm.probes.map((p) => p.size)).toEqual(SIZES);
      // One operation, one call to X: the gateway (and Mesh, and the reference) plan the whole page into one
      // GET /2/dm_events. From memory (F): the first operation fills it, the next ones call X no more.
      for (const probe of arm.probes) {
        expect(probe.upstreamCalls).toBe(arm.arm === 'F' ? 0 : 1);
        if (arm.arm === 'F') expect(probe.coldUpstreamCalls).toBeGreaterThan(0);
        expect(probe.responseBytes).toBeGreaterThan(0);
        // E and F answer the arm-C operation with arm C's data (cursors aside); runBench throws when they differ.
        if (arm.arm === 'E' || arm.arm === 'F') expect(probe.sameDataAsC).toBe(true);
      }
      expect(arm.cells).toHaveLength(SIZES.length * 2);
      for (const cell of arm.cells) {
        expect(cell.summary.ok).toBeGreaterThan(0);
        expect(cell.summary.failed).toBe(0);
        // Drained runs: every answered operation cost exactly its upstream call; from memory, none.
        expect(cell.summary.upstreamCallsPerOp).toBe(arm.arm === 'F' ? 0 : 1);
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
  });
});

/**
 * What both budget replays run in: a sandbox that logs its answers, the gateway in process with its memory, and the
 * naive client, all on one fake clock (the gateway's `now` is the sandbox's `clock`), so they cross UTC midnights
 * together and X's 30-day window moves for both. A step runs the gateway's screen, then the naive client's; each
 * client's calls are billed, as X bills them, from what the sandbox logged during its turn.
 */
import { pino } from 'pino';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type DemoUser, type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { type Bill, XAccount, isDmLookup, sumBills } from './billing.js';
import { NaiveClient } from './naive.js';
import type { Check } from './truth.js';

export interface StepResult {
  n: string;
  name: string;
  /** The fake clock at the step, in milliseconds since the epoch. */
  at: number;
  /** What the step cost each client at X, billed as X bills (resources already billed that UTC day cost nothing). */
  gateway: Bill;
  naive: Bill;
  /** The gateway's answers against X's truth. */
  checks: Check[];
  /** The naive client's answers against X's truth (for information: it reads X directly). */
  naiveChecks: Check[];
  /** The DM lookups the gateway made, as the sandbox logged them: `path?max_results=N` (`+token` when continued). */
  asked: string[];
}

export interface WorldOptions {
  seed: number;
  freshnessMs: number;
  /** Where the fake clock starts; the demo data's 30 days end there. */
  start: Date;
}

interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string }[];
}

export interface World {
  readonly sandbox: Sandbox;
  readonly gateway: Gateway;
  readonly naive: NaiveClient;
  /** The main demo user: the one whose DMs both clients read. */
  readonly me: DemoUser;
  /** Every demo user's handle by id: what a sender's username must be. */
  readonly usernames: ReadonlyMap<string, string>;
  /** Each client's account at X, across every step run in this world. */
  readonly accounts: { gateway: XAccount; naive: XAccount };
  now(): number;
  setClock(ms: number): void;
  /** A GraphQL operation through the gateway, as the main user; errors throw. */
  ask<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** One step at the clock's time: the gateway's screen, then the naive client's, each billed from the sandbox's log. */
  step(
    n: string,
    name: string,
    viaGateway: () => Promise<Check[]>,
    viaNaive: () => Promise<Check[]>,
  ): Promise<StepResult>;
  close(): Promise<void>;
}

export async function openWorld(options: WorldOptions): Promise<World> {
  let clock = options.start.getTime();
  const now = () => clock;
  // A budget no replay reaches: the counts are the point, and the bill counts the lookups X's own limit would refuse.
  const sandbox = createSandbox({
    seed: options.seed,
    now: options.start,
    clock: now,
    logAnswers: true,
    rateLimit: { limit: 100_000, windowMs: 900_000 },
  });
  const url = await sandbox.listen(0, '127.0.0.1');
  const gateway = createGateway({
    upstream: url,
    store: 'memory',
    freshnessMs: options.freshnessMs,
    now,
    cursorSecret: 'budget-bench',
    logger: pino({ level: 'warn' }),
  });
  const me = sandbox.users[0]!;
  const accounts = { gateway: new XAccount(), naive: new XAccount() };

  /** Runs a client's turn and returns what the sandbox logged during it. */
  const turn = async (run: () => Promise<Check[]>) => {
    sandbox.clearRequests();
    const checks = await run();
    const logged = [...sandbox.requests];
    sandbox.clearRequests();
    return { checks, logged };
  };

  const world: World = {
    sandbox,
    gateway,
    naive: new NaiveClient(url, me.token),
    me,
    usernames: new Map(sandbox.data.users.map((user) => [user.id, user.username])),
    accounts,
    now,
    setClock(ms) {
      if (ms < clock) throw new Error('The fake clock only moves forward.');
      clock = ms;
    },
    async ask<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const result = (await response.json()) as GraphQLResult<T>;
      if (result.errors?.length || !result.data)
        throw new Error(`The gateway answered with errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async step(n, name, viaGateway, viaNaive) {
      const at = clock;
      const viaX = await turn(viaGateway);
      const naive = await turn(viaNaive);
      return {
        n,
        name,
        at,
        gateway: accounts.gateway.bill(viaX.logged),
        naive: accounts.naive.bill(naive.logged),
        checks: viaX.checks,
        naiveChecks: naive.checks,
        asked: viaX.logged.filter((request) => isDmLookup(request.path, request.method)).map(describeCall),
      };
    },
    async close() {
      await gateway.close();
      await sandbox.close();
    },
  };
  return world;
}

/** The sum of one client's bills over steps. */
export function sumOf(steps: readonly StepResult[], client: 'gateway' | 'naive'): Bill {
  return sumBills(steps.map((step) => step[client]));
}

function describeCall(request: { path: string; query: Record<string, string> }): string {
  const size = request.query.max_results === undefined ? '' : `?max_results=${request.query.max_results}`;
  return `${request.path}${size}${request.query.pagination_token === undefined ? '' : ' +token'}`;
}

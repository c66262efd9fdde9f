/**
 * The planner alone, with tinybench: microseconds to plan the arm-C operation.
 * - cold: a fresh document every iteration, parsed and planned with `planCall` (what an operation never seen costs);
 * - plan only: `planCall` on a document parsed once (the planner's own walk, no memo);
 * - memo hit: `planField` on a position it has planned before (what every later request with the same document pays).
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type DocumentNode,
  type OperationDefinitionNode,
  Kind,
  getNamedType,
  parse,
} from 'graphql';
import { Bench } from 'tinybench';
import { planCall, planField } from '../../src/planner/planner.js';
import { dialectOf } from '../../src/x/dialect.js';
import { schema } from '../../src/schema/index.js';
import { GATEWAY_OPERATION } from './arms.js';

export interface MicroTask {
  readonly name: string;
  /** Microseconds. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

const VARIABLES = { first: 10 };

function partsOf(document: DocumentNode) {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const field = operation.selectionSet.selections.find(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'dmEvents',
  )!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return { operation, field, fragments };
}

export async function runPlannerMicro(timeMs = 1_000): Promise<MicroTask[]> {
  const dialect = dialectOf();
  const connectionType = getNamedType(schema.getQueryType()!.getFields().dmEvents!.type) as GraphQLObjectType;

  const parsedOnce = partsOf(parse(GATEWAY_OPERATION));
  const info = {
    fieldNodes: [parsedOnce.field],
    schema,
    fragments: parsedOnce.fragments,
    variableValues: VARIABLES,
    operation: parsedOnce.operation,
  } as unknown as GraphQLResolveInfo;
  // The first call plans and memoises; every call measured below is a hit.
  const first = planField(info, 'dm_event', connectionType, dialect);
  if (planField(info, 'dm_event', connectionType, dialect) !== first)
    throw new Error('planField did not memoise the plan');

  let sink: unknown;
  const bench = new Bench({ time: timeMs });
  bench
    .add('parse only', () => {
      sink = parse(GATEWAY_OPERATION);
    })
    .add('cold: parse + planCall', () => {
      const { field, fragments } = partsOf(parse(GATEWAY_OPERATION));
      sink = planCall({ schema, fragments, variables: VARIABLES, dialect }, 'dm_event', [field], connectionType);
    })
    .add('planCall only (parsed once)', () => {
      sink = planCall(
        { schema, fragments: parsedOnce.fragments, variables: VARIABLES, dialect },
        'dm_event',
        [parsedOnce.field],
        connectionType,
      );
    })
    .add('cached: planField memo hit', () => {
      sink = planField(info, 'dm_event', connectionType, dialect);
    });
  await bench.run();
  void sink;
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`micro-benchmark ${task.name}: ${result.state}`);
    return {
      name: task.name,
      mean: result.latency.mean * 1000,
      p50: result.latency.p50 * 1000,
      p99: result.latency.p99 * 1000,
      samples: task.runs,
    };
  });
}

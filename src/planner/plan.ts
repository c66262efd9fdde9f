/**
 * What the planner produces, and the values resolvers pass down the tree.
 *
 * A plan is made once per document position (and `@skip`/`@include` variables) and reused by every request with the
 * same document. Resolvers never walk the selection themselves: each object the schema resolves carries the plan of
 * its own selection, and a field finds its child's plan by its response key.
 */
import type { LinkKind, XParams } from '../x/params.js';

export interface SelectionPlan {
  /** Plans of the object-valued fields selected below, by response key. */
  readonly children: Readonly<Record<string, SelectionPlan>>;
  /** On a field that links to another X object: how to get that object. */
  readonly load?: LoadPlan;
}

export interface LoadPlan {
  readonly kind: LinkKind;
  /** The X fields the selection below reads of the linked object, sorted. An object known with all of them is used as it is. */
  readonly fields: readonly string[];
  /**
   * Parameters of the batch lookup (`/2/users?ids=`, `/2/tweets?ids=`) that fetches the object when no earlier answer
   * of this request holds it with those fields. Absent for media, which only arrive through expansions.
   */
  readonly batch?: XParams;
}

/**
 * An X object on its way down the tree, with the plan of what is selected of it. Always made with `new`: fields that
 * are one X field as it comes read it through a getter on this class (`src/schema/x-fields.ts`), not a resolver, and
 * an object literal would have none.
 */
export class Planned<T> {
  /** Keeps object literals out: only the class has the getters. */
  declare private readonly made: 'with new';

  constructor(
    readonly x: T,
    readonly plan: SelectionPlan,
  ) {}
}

export const EMPTY_PLAN: SelectionPlan = Object.freeze({ children: Object.freeze({}) });

/** The plan of the child at `responseKey`, or the empty plan when nothing object-valued is selected there. */
export function childPlan(plan: SelectionPlan, responseKey: string | number): SelectionPlan {
  return plan.children[responseKey as string] ?? EMPTY_PLAN;
}

/**
 * Limits that stop abusive documents before anything runs: tokens (parsing stops early), depth and aliases (counted
 * through fragments, each fragment once, so a fragment bomb costs no more than its definition), and argument values
 * of the wrong type reported as BAD_USER_INPUT like every other bad argument.
 *
 * The defaults let ordinary Relay queries through: `dmConversation > events > edges > node > referencedTweets >
 * author > pinnedTweet > entities > mentions > user > name` is depth 11.
 */
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  ValuesOfCorrectTypeRule,
  specifiedRules,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface DocumentLimits {
  /** @default 2000 */
  maxTokens?: number;
  /** Fields nested in fields, through fragments. @default 16 */
  maxDepth?: number;
  /** Aliased fields in the operation as it executes, through fragments. @default 32 */
  maxAliases?: number;
}

const DEFAULTS = { maxTokens: 2000, maxDepth: 16, maxAliases: 32 };

interface Shape {
  depth: number;
  aliases: number;
}

/** Depth and aliases of a selection set, with fragments measured once each. */
function measure(
  selectionSet: SelectionSetNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  memo: Map<string, Shape>,
): Shape {
  let depth = 0;
  let aliases = 0;
  for (const selection of selectionSet.selections) {
    let inner: Shape;
    if (selection.kind === Kind.FIELD) {
      inner = selection.selectionSet ? measure(selection.selectionSet, fragment, memo) : { depth: 0, aliases: 0 };
      inner = { depth: inner.depth + 1, aliases: inner.aliases + (selection.alias ? 1 : 0) };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragment, memo);
    } else {
      const name = selection.name.value;
      let known = memo.get(name);
      if (!known) {
        memo.set(name, { depth: 0, aliases: 0 }); // a cycle counts as nothing; NoFragmentCyclesRule reports it
        const definition = fragment(name);
        known = definition ? measure(definition.selectionSet, fragment, memo) : { depth: 0, aliases: 0 };
        memo.set(name, known);
      }
      inner = known;
    }
    depth = Math.max(depth, inner.depth);
    aliases += inner.aliases;
  }
  return { depth, aliases };
}

function shapeRule(maxDepth: number, maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, aliases } = measure(operation.selectionSet, (name) => context.getFragment(name), new Map());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`The operation is ${depth} fields deep; at most ${maxDepth} are allowed.`, {
            nodes: operation,
            extensions: { limit: { depth: maxDepth } },
          }),
        );
      }
      if (aliases > maxAliases) {
        context.reportError(
          new GraphQLError(`The operation has ${aliases} aliased fields; at most ${maxAliases} are allowed.`, {
            nodes: operation,
            extensions: { limit: { aliases: maxAliases } },
          }),
        );
      }
    },
  });
}

/** graphql-js's check of argument literals, reporting as BAD_USER_INPUT. */
const ArgumentValuesRule: ValidationRule = (context) =>
  ValuesOfCorrectTypeRule(
    Object.create(context, {
      reportError: {
        value: (error: GraphQLError) =>
          context.reportError(
            new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } }),
          ),
      },
    }) as ValidationContext,
  );

export function documentLimits(options: DocumentLimits = {}): Plugin {
  const { maxTokens, maxDepth, maxAliases } = { ...DEFAULTS, ...options };
  const shape = shapeRule(maxDepth, maxAliases);
  const withLimits = (rules: readonly ValidationRule[]) => [
    ...rules.map((rule) => (rule === ValuesOfCorrectTypeRule ? ArgumentValuesRule : rule)),
    shape,
  ];
  const standard = withLimits(specifiedRules);
  return {
    onParse: ({ parseFn, setParseFn }) => {
      setParseFn((source, parseOptions) => parseFn(source, { ...parseOptions, maxTokens }));
    },
    onValidate: ({ validateFn, setValidationFn }) => {
      setValidationFn((schema, document, rules, typeInfo, validationOptions) =>
        validateFn(
          schema,
          document,
          !rules || rules === specifiedRules ? standard : withLimits(rules),
          typeInfo,
          validationOptions,
        ),
      );
    },
  };
}

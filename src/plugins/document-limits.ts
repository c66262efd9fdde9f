/**
 * Limits that stop abusive documents before anything runs: tokens (parsing stops early); depth, aliases and the
 * fields an executor would compile (counted through fragments, each fragment measured once, so measuring a fragment
 * bomb costs no more than reading it, and the bomb itself is refused); and argument values of the wrong type,
 * reported as BAD_USER_INPUT like every other bad argument.
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
  type parse as graphqlParse,
  type validate as graphqlValidate,
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
  /**
   * Field selections in the operation with every fragment spread written out where it is spread: what an executor
   * that inlines fragments (graphql-jit) compiles. A fragment spread twice in each of 30 nested fragments is 2^30.
   * @default 2000
   */
  maxFields?: number;
}

const DEFAULTS = { maxTokens: 2000, maxDepth: 16, maxAliases: 32, maxFields: 2000 };

interface Shape {
  depth: number;
  aliases: number;
  fields: number;
}

const NOTHING: Shape = { depth: 0, aliases: 0, fields: 0 };

/** Depth, aliases and written-out fields of a selection set, with each fragment measured once. */
function measure(
  selectionSet: SelectionSetNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  memo: Map<string, Shape>,
): Shape {
  let depth = 0;
  let aliases = 0;
  let fields = 0;
  for (const selection of selectionSet.selections) {
    let inner: Shape;
    if (selection.kind === Kind.FIELD) {
      inner = selection.selectionSet ? measure(selection.selectionSet, fragment, memo) : NOTHING;
      inner = { depth: inner.depth + 1, aliases: inner.aliases + (selection.alias ? 1 : 0), fields: inner.fields + 1 };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragment, memo);
    } else {
      const name = selection.name.value;
      let known = memo.get(name);
      if (!known) {
        memo.set(name, NOTHING); // a cycle counts as nothing; NoFragmentCyclesRule reports it
        const definition = fragment(name);
        known = definition ? measure(definition.selectionSet, fragment, memo) : NOTHING;
        memo.set(name, known);
      }
      inner = known;
    }
    depth = Math.max(depth, inner.depth);
    aliases += inner.aliases;
    fields += inner.fields;
  }
  return { depth, aliases, fields };
}

function shapeRule(maxDepth: number, maxAliases: number, maxFields: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, aliases, fields } = measure(
        operation.selectionSet,
        (name) => context.getFragment(name),
        new Map(),
      );
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
      if (fields > maxFields) {
        context.reportError(
          new GraphQLError(
            `The operation selects ${fields} fields with its fragments written out; at most ${maxFields} are allowed.`,
            {
              nodes: operation,
              extensions: { limit: { fields: maxFields } },
            },
          ),
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
            new GraphQLError(error.message, {
              nodes: error.nodes,
              extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
            }),
          ),
      },
    }) as ValidationContext,
  );

export function documentLimits(options: DocumentLimits = {}): Plugin {
  const { maxTokens, maxDepth, maxAliases, maxFields } = { ...DEFAULTS, ...options };
  const shape = shapeRule(maxDepth, maxAliases, maxFields);
  const withLimits = (rules: readonly ValidationRule[]) => [
    ...rules.map((rule) => (rule === ValuesOfCorrectTypeRule ? ArgumentValuesRule : rule)),
    shape,
  ];
  const standard = withLimits(specifiedRules);
  return {
    // envelop types the parse and validate functions `any`; yoga's are graphql-js's `parse` and `validate`.
    onParse: ({ parseFn, setParseFn }) => {
      const parse = parseFn as typeof graphqlParse;
      setParseFn((...[source, parseOptions]: Parameters<typeof graphqlParse>) =>
        parse(source, { ...parseOptions, maxTokens }),
      );
    },
    onValidate: ({ validateFn, setValidationFn }) => {
      const validate = validateFn as typeof graphqlValidate;
      setValidationFn((...[schema, document, rules, ...rest]: Parameters<typeof graphqlValidate>) =>
        validate(schema, document, !rules || rules === specifiedRules ? standard : withLimits(rules), ...rest),
      );
    },
  };
}

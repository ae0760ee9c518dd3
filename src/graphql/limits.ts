// Query depth and complexity limits as GraphQL validation rules: a query over the limits is rejected before
// anything runs. Complexity estimates the items a query may return: every field costs 1, and a list field
// multiplies what it selects by its `first` (its default when not given), or by its `listSize` extension.
// A `first` given by a variable counts as the variable's default, or as the largest page when it has none:
// validation runs once per query text, before variables are known.
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from './graphql-js.js';
import { MAX_PAGE_SIZE } from './connection.type.js';

export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 50_000;
/** What a list without `first` and without a `listSize` extension is assumed to hold. */
export const DEFAULT_LIST_SIZE = 50;

/** Fields of the introspection system (`__schema`, `__type`, `__typename`) are free and not counted. */
function isIntrospection(node: FieldNode): boolean {
  return node.name.value.startsWith('__');
}

export function depthLimitRule(maxDepth = MAX_DEPTH): ValidationRule {
  return (context: ValidationContext) => {
    // A fragment's depth does not depend on where it is spread: measured once (fragment fan-out stays linear).
    const fragmentDepth = new Map<string, number>();
    const visiting = new Set<string>();

    const depthOf = (set: SelectionSetNode): number => {
      let max = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (isIntrospection(selection)) continue;
          max = Math.max(max, 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(selection.selectionSet));
        } else {
          max = Math.max(max, spreadDepth(context.getFragment(selection.name.value)));
        }
      }
      return max;
    };
    const spreadDepth = (fragment: FragmentDefinitionNode | null | undefined): number => {
      if (!fragment) return 0; // an unknown fragment is reported by the standard rules
      const name = fragment.name.value;
      const known = fragmentDepth.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name)) return 0; // a cycle, reported by NoFragmentCycles
      visiting.add(name);
      const depth = depthOf(fragment.selectionSet);
      visiting.delete(name);
      fragmentDepth.set(name, depth);
      return depth;
    };

    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const depth = depthOf(operation.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`the query is ${depth} levels deep; at most ${maxDepth} are allowed (a connection takes three: field, edges, node)`, {
              nodes: [operation],
            }),
          );
        }
      },
    };
  };
}

export function complexityLimitRule(maxComplexity = MAX_COMPLEXITY): ValidationRule {
  return (context: ValidationContext) => {
    const schema = context.getSchema();
    let variableDefaults = new Map<string, ValueNode | undefined>();
    const fragmentCost = new Map<string, number>();
    const visiting = new Set<string>();

    const costOf = (set: SelectionSetNode, parent: GraphQLObjectType): number => {
      let total = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (isIntrospection(selection)) continue;
          const field = parent.getFields()[selection.name.value];
          if (!field) continue; // unknown fields are reported by the standard rules
          let inner = 0;
          const named = getNamedType(field.type);
          if (selection.selectionSet && isObjectType(named)) inner = costOf(selection.selectionSet, named);
          total += 1 + inner * multiplier(field, selection);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (isObjectType(type)) total += costOf(selection.selectionSet, type);
        } else {
          total += spreadCost(context.getFragment(selection.name.value));
        }
      }
      return total;
    };
    const spreadCost = (fragment: FragmentDefinitionNode | null | undefined): number => {
      if (!fragment) return 0;
      const name = fragment.name.value;
      const known = fragmentCost.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name)) return 0;
      const type = schema.getType(fragment.typeCondition.name.value);
      if (!isObjectType(type)) return 0;
      visiting.add(name);
      const cost = costOf(fragment.selectionSet, type);
      visiting.delete(name);
      fragmentCost.set(name, cost);
      return cost;
    };
    const multiplier = (field: GraphQLField<unknown, unknown>, node: FieldNode): number => {
      const firstArg = field.args.find((a) => a.name === 'first');
      if (firstArg) {
        const given = node.arguments?.find((a) => a.name.value === 'first')?.value;
        const value = given === undefined ? undefined : given.kind === Kind.VARIABLE ? variableDefaults.get(given.name.value) : given;
        if (value === undefined) return given === undefined && typeof firstArg.defaultValue === 'number' ? firstArg.defaultValue : MAX_PAGE_SIZE;
        if (value.kind === Kind.INT) return Math.max(0, Number.parseInt(value.value, 10));
        return MAX_PAGE_SIZE;
      }
      if (isListType(getNullableType(field.type))) {
        const listSize = field.extensions?.listSize;
        return typeof listSize === 'number' ? listSize : DEFAULT_LIST_SIZE;
      }
      return 1;
    };

    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        if (!root) return;
        variableDefaults = new Map((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.defaultValue]));
        // a fragment's cost depends on the operation's variable defaults: measured per operation
        fragmentCost.clear();
        const cost = costOf(operation.selectionSet, root);
        if (cost > maxComplexity) {
          context.reportError(
            new GraphQLError(
              `the query may return about ${cost} items; at most ${maxComplexity} are allowed. Each list multiplies what it selects by its "first" ` +
                `(default 50; a variable without a default counts as ${MAX_PAGE_SIZE}): ask for smaller pages or fewer nested lists`,
              { nodes: [operation] },
            ),
          );
        }
      },
    };
  };
}

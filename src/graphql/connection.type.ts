// The one generic Relay connection: Edge(node) and Connection(edge) make the concrete types, page
// arguments are checked in one place, and a page is built from `first + 1` rows read in keyset order.
import 'reflect-metadata';
import { ArgsType, Extensions, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { userInputError } from './errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when this page was asked for with `after`.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;
}

export interface EdgeShape<TNode> {
  cursor: string;
  node: TNode;
}

export function Edge<TNode extends object>(nodeClass: ClassType<TNode>) {
  @ObjectType()
  abstract class EdgeClass implements EdgeShape<TNode> {
    @Field(() => String, { description: 'An opaque position; pass it as `after` to read what follows this edge.' })
    cursor!: string;

    @Field(() => nodeClass)
    node!: TNode;
  }
  return EdgeClass;
}

export function Connection<TEdge extends object>(edgeClass: ClassType<TEdge>) {
  @ObjectType()
  abstract class ConnectionClass {
    // The connection's `first` already counts its edges in the complexity estimate.
    @Extensions({ listSize: 1 })
    @Field(() => [edgeClass])
    edges!: TEdge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    /** Counts the whole filtered list; called only when a client asks for totalCount. */
    countAll!: () => Promise<number>;

    @Field(() => Int, { description: 'How many items the whole list holds (all pages), with the same filter.' })
    totalCount(): Promise<number> {
      return this.countAll();
    }
  }
  return ConnectionClass;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}.` })
  first!: number;

  @Field(() => String, { nullable: true, description: 'The endCursor (or an edge cursor) of the previous page.' })
  after?: string | null;
}

export interface Page {
  first: number;
  after: string | null;
}

export function checkPage(args: { first?: number | null; after?: string | null }): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw userInputError('"first" must be a whole number, 0 or more');
  if (first > MAX_PAGE_SIZE) throw userInputError(`"first" is ${first}; a page holds at most ${MAX_PAGE_SIZE} items: page with "after"`);
  return { first, after: args.after ?? null };
}

/** A connection from rows read with `limit first + 1` in the list's order. */
export function toConnection<TRow, TEdge extends EdgeShape<unknown>, TConn extends { edges: TEdge[]; pageInfo: PageInfo; countAll: () => Promise<number> }>(
  connectionClass: new () => TConn,
  rows: readonly TRow[],
  page: Page,
  toEdge: (row: TRow) => TEdge,
  countAll: () => Promise<number>,
): TConn {
  const edges = rows.slice(0, page.first).map(toEdge);
  const connection = new connectionClass();
  connection.edges = edges;
  connection.pageInfo = {
    hasNextPage: rows.length > page.first,
    hasPreviousPage: page.after !== null,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  };
  connection.countAll = countAll;
  return connection;
}

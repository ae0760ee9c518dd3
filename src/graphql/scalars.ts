// The schema's custom scalars, from graphql-scalars: DateTime (RFC 3339, UTC; Date objects in resolvers)
// and JSON (the type-specific fields of an activity, a group's roles, a stream's cursor).
export { GraphQLDateTime as DateTime, GraphQLJSON as JsonScalar } from 'graphql-scalars';

// graphql-js, always its CommonJS build. The package has no "exports" map: Node loads `main` (index.js) for
// type-graphql, graphql-scalars and Apollo, while bundler-style resolvers (vitest) would give our own files
// `module` (index.mjs), and graphql-js refuses types from "another module or realm". One entry, one realm.
export * from 'graphql/index.js';

// The public surface of src/state: the state store, its tables, and the rebuild from the manifest.

export { StateStore, STATE_FILE, type CursorRow, type FileFilter, type RunRow, type RunStatus } from './store.js';
export { rebuildState, StateRebuildRefused, type RebuildResult } from './rebuild.js';
export * from './schema.js';

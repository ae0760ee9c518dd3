#!/usr/bin/env node
// The compliance-lake command line. `sync`, the command run most often, starts from a program that holds it
// alone (src/cli/sync-command.ts) and loads only its own modules; every other command, `--help` and
// `--version` load the whole program (src/cli/program.ts). Both end every failure through src/cli/fail.ts.
if (process.argv[2] === 'sync') (await import('./sync-command.js')).runSyncOnly(process.argv);
else await import('./program.js');

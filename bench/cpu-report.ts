// Preloaded into a benchmarked child process (`node --import <this file>`): at exit it writes the process's
// CPU time (user and system, every thread: JavaScript, DuckDB, the thread pool, the GC) to stderr as one line,
// `cpu-usage {"userMs":…,"systemMs":…}`, which `cpuOf` reads back.
import process from 'node:process';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ncpu-usage ${JSON.stringify({ userMs: user / 1000, systemMs: system / 1000 })}\n`);
});

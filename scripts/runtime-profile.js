'use strict';
// The Node.js settings `npm start` runs the launcher with. They can only be given when a process starts (V8 reads
// its flags once, and `v8.setFlagsFromString` after that has no effect on these), so scripts/start.js re-executes
// itself with them: `process.execve` replaces the process image and keeps its pid, so Ctrl-C and a supervisor's
// signals still reach the launcher directly, as they did before. Each setting is measured in docs/performance.md
// ("Memory"); together they take the peak resident memory of `npm start` on the embedded database, after the
// benchmark's load, from ~1 GiB to ~330-370 MiB.

/** V8 heap settings, on either database. */
const HEAP_FLAGS = [
  // The young generation: Node 24 sizes each of its two semi-spaces at 64 MiB on this machine (128 MiB committed).
  // 16 MiB, Node 20's size, means four times the scavenges at about a quarter of the pause each: about the same
  // GC time per request, and shorter stalls.
  '--max-semi-space-size=16',
  // The old generation may grow to 1.3x what was live after the last full GC before the next one, instead of up to
  // 4x (V8's factor on a machine with more than 2 GB). No limit is lowered: the heap can still reach
  // V8's default maximum, it is only collected sooner on the way there.
  '--heap-growing-percent=30',
];

/**
 * Only on the embedded database: no optimising compiler (TurboFan) for WebAssembly. V8 tiers PGlite's hottest
 * functions up to TurboFan in the background, and one of them, Postgres's SQL parser (`raw_parser`, 105 kB of
 * WebAssembly), takes 576 MiB of compiler memory and ~2 s of CPU to optimise; that alone is past the 400 MiB
 * target. The baseline compiler (Liftoff) runs a PGlite statement with ~30 % more CPU (~120 µs), about 10 % of an
 * embedded document read, once TurboFan would have paid off (after ~10 s of load); PostgreSQL does not run here.
 */
const EMBEDDED_FLAGS = ['--liftoff-only'];

/**
 * The flags `npm start` runs with for an environment.
 * @param {Record<string, string | undefined>} env the environment the launcher will read
 * @returns {string[]}
 */
function runtimeFlags(env) {
  const embedded = env.DATABASE_URL === undefined || env.DATABASE_URL === '';
  return [...HEAP_FLAGS, ...(embedded ? EMBEDDED_FLAGS : [])];
}

/**
 * Re-executes this process with {@link runtimeFlags} when it was started without them, before anything else runs.
 * Flags given on the command line come after them, so they win (`node --max-semi-space-size=64 scripts/start.js`).
 * Where `process.execve` does not exist (Windows; Node before 22.15) the process goes on as it is.
 * @param {string} script the script to run again (the caller's own file)
 */
function applyRuntimeFlags(script) {
  const flags = runtimeFlags(process.env);
  if (flags.every((flag) => process.execArgv.includes(flag))) return;
  if (typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, script, ...process.argv.slice(2)], process.env);
}

module.exports = { runtimeFlags, applyRuntimeFlags };

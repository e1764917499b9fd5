#!/usr/bin/env node
// `npm test`'s Jest run, in a few sequential processes rather than one. On a
// 2-core machine Jest runs every file in its own single process, and the
// apps the e2e files start leave enough behind in that process that, past
// ~160 files, garbage collection stalls the event loop long enough for
// database connections to time out, and then the heap runs out. A fresh
// process per shard keeps each one small. Extra arguments go to every shard.
// Ends with the summary reporter's one line, summed over the shards.
//
// JEST_SHARDS_AT_ONCE (default 1) runs that many shards side by side, each
// one's output printed whole when it ends. Most e2e time is waiting (app
// starts, polls, timers), but whether two shards at once stay within every
// test's deadlines on 2 cores is unmeasured: the default stays sequential.
import { spawn } from 'node:child_process';

const SHARDS = Number(process.env.JEST_SHARDS ?? 4);
const AT_ONCE = Math.max(1, Math.min(SHARDS, Number(process.env.JEST_SHARDS_AT_ONCE ?? 1)));
const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let status = 0;

/** Runs one shard; its output goes straight through, or is held and printed whole (`held`) so shards never interleave. */
function runShard(shard, held) {
  const heldOutput = [];
  const write = (stream, chunk) => (held ? heldOutput.push([stream, chunk]) : stream.write(chunk));
  write(process.stdout, `\njest: shard ${shard}/${SHARDS}\n`);
  let summarised = false;
  return new Promise((resolve) => {
    const child = spawn('npx', ['jest', '--ci', '--passWithNoTests', `--shard=${shard}/${SHARDS}`, ...extra], { stdio: ['inherit', 'pipe', held ? 'pipe' : 'inherit'] });
    let pending = '';
    child.stderr?.on('data', (chunk) => write(process.stderr, chunk));
    child.stdout.on('data', (chunk) => {
      write(process.stdout, chunk);
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const counts = /^jest: (\d+) passed, (\d+) failed, (\d+) skipped$/.exec(line);
        if (!counts) continue;
        summarised = true;
        totals.passed += Number(counts[1]);
        totals.failed += Number(counts[2]);
        totals.skipped += Number(counts[3]);
      }
    });
    child.on('close', (exitCode, signal) => {
      for (const [stream, chunk] of heldOutput) stream.write(chunk);
      // A shard that died before its summary (a crash) counts as one failure.
      if (!summarised) totals.failed += 1;
      if ((exitCode ?? (signal ? 1 : 0)) !== 0) status = 1;
      resolve();
    });
  });
}

let next = 1;
await Promise.all(
  Array.from({ length: AT_ONCE }, async () => {
    while (next <= SHARDS) await runShard(next++, AT_ONCE > 1);
  }),
);

process.stdout.write(`\njest: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(status);

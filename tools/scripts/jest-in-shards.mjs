#!/usr/bin/env node
// `npm test`'s Jest run, in a few sequential processes rather than one. On a
// 2-core machine Jest runs every file in its own single process, and the
// apps the e2e files start leave enough behind in that process that, past
// ~160 files, garbage collection stalls the event loop long enough for
// database connections to time out, and then the heap runs out. A fresh
// process per shard keeps each one small. Extra arguments go to every shard.
// Ends with the summary reporter's one line, summed over the shards.
import { spawn } from 'node:child_process';

const SHARDS = Number(process.env.JEST_SHARDS ?? 4);
const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let status = 0;

for (let shard = 1; shard <= SHARDS; shard++) {
  process.stdout.write(`\njest: shard ${shard}/${SHARDS}\n`);
  let summarised = false;
  const code = await new Promise((resolve) => {
    const child = spawn('npx', ['jest', '--ci', '--passWithNoTests', `--shard=${shard}/${SHARDS}`, ...extra], { stdio: ['inherit', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
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
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  // A shard that died before its summary (a crash) counts as one failure.
  if (!summarised) totals.failed += 1;
  if (code !== 0) status = 1;
}

process.stdout.write(`\njest: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(status);

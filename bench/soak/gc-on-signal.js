// Preloaded into the gateway by `npm run bench:soak` (with --expose-gc): on SIGUSR2,
// a full garbage collection, then the heap and RSS appended as one JSON line to
// SOAK_MEMORY_FILE. Bench-only: the gateway's own code knows nothing of it.
'use strict';
const { appendFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  global.gc();
  const { heapUsed, rss } = process.memoryUsage();
  appendFileSync(process.env.SOAK_MEMORY_FILE, `${JSON.stringify({ heapUsed, rss })}\n`);
});

/**
 * Preloaded (`node -r ./bench/preload/usage.js ...`) by bench/memory.js and
 * bench/deposit-monitor.js into the processes they measure, with $BENCH_USAGE_FILE set:
 *  - at exit, writes the peak resident set size (`process.resourceUsage().maxRSS`, KiB), the
 *    heap and the CPU time used to $BENCH_USAGE_FILE;
 *  - on SIGUSR2, when started with --expose-gc, runs a full garbage collection and writes the
 *    memory before and after it to $BENCH_USAGE_FILE.gc.json (what the heap really retains,
 *    as opposed to what V8 has not collected yet).
 */
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  const file = process.env.BENCH_USAGE_FILE;
  if (!file) return;
  const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  fs.writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, rssAtExit: rss, heapUsed, heapTotal, external, cpuMs: (user + system) / 1000 }));
});

if (typeof global.gc === 'function') {
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    global.gc();
    const after = process.memoryUsage();
    const { heap_size_limit: heapLimit } = require('node:v8').getHeapStatistics();
    fs.writeFileSync(`${process.env.BENCH_USAGE_FILE}.gc.json`, JSON.stringify({ before, after, heapLimit }));
  });
}

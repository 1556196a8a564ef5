// Preloaded into an API process by the resilience suite (NODE_OPTIONS="--expose-gc --require
// <this file>"), never by the app: on SIGUSR2 the process runs full garbage collections and
// says so on stderr, so a test reads its resident memory (/proc/<pid>/status) after a settle
// that does not depend on when V8 would have collected by itself.
'use strict';
let settles = 0;
process.on('SIGUSR2', () => {
  // Twice: objects with finalizers and weak references are freed by the second collection.
  global.gc();
  setImmediate(() => {
    global.gc();
    settles += 1;
    process.stderr.write(`settled ${settles}\n`);
  });
});

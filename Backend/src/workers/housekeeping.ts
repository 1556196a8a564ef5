// Tracing must start before Nest, http and Prisma are loaded.
import '../tracing/register';
import { runWorker } from './run-worker';

runWorker('housekeeping', process.argv.slice(2)).catch((error) => {
  process.stderr.write(`fatal: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { ShutdownState } from '../health/shutdown-state';

/**
 * Readiness fails at once and every answer carries `Connection: close` (app.factory.ts), so
 * clients stop reusing their keep-alive sockets; after `delayMs` (time for load balancers to
 * stop routing to this pod) the listener closes and in-flight requests finish; only then are
 * the modules (database pools) shut down.
 */
export async function shutDownGracefully(app: INestApplication, delayMs: number, logger: Logger): Promise<void> {
  const drained = app.get(ShutdownState).begin();
  logger.info({ delayMs }, 'shutting down: readiness is now failing');
  // Running job passes finish while the database is still connected (app.close() disconnects it first).
  await Promise.all([drained, new Promise((resolve) => setTimeout(resolve, delayMs))]);
  // app.close() runs the modules' destroy hooks (Prisma and the rate-limit pool disconnect)
  // before it closes the HTTP server: requests still in flight, or read on a connection accepted
  // just before the listener closed, would fail with a 500. Close HTTP first: the listener stops,
  // each open connection finishes its request (answered normally, with Connection: close) and
  // closes; then app.close() disconnects (closing HTTP again is a no-op).
  await app.getHttpAdapter().close();
  await app.close();
  logger.info('shutdown complete');
}

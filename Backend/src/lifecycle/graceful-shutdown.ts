import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { ShutdownState } from '../health/shutdown-state';

/**
 * Readiness fails at once; after `delayMs` (time for load balancers to stop routing to
 * this pod) the listener closes, in-flight requests finish, and connections close.
 */
export async function shutDownGracefully(app: INestApplication, delayMs: number, logger: Logger): Promise<void> {
  const drained = app.get(ShutdownState).begin();
  logger.info({ delayMs }, 'shutting down: readiness is now failing');
  // Running job passes finish while the database is still connected (app.close() disconnects it first).
  await Promise.all([drained, new Promise((resolve) => setTimeout(resolve, delayMs))]);
  await app.close();
  logger.info('shutdown complete');
}

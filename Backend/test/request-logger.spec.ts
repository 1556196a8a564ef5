import { Writable } from 'node:stream';
import { createLogger, RequestLogger, requestLoggerFactory } from '../src/logging/logger';

/** Fastify's per-request logger: the pino child with the request id is made only when a line is logged. */
describe('RequestLogger', () => {
  function capture(level: 'warn' | 'info') {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { logger: createLogger({ LOG_LEVEL: level, LOG_FORMAT: 'json' }, stream), lines };
  }

  it('makes no child for lines below the level, one child for every line at or above it, with the bindings', () => {
    const { logger, lines } = capture('warn');
    const child = jest.spyOn(logger, 'child');
    const log = new RequestLogger(logger, { reqId: 'r-1' });
    log.info({ req: {} }, 'incoming request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    log.warn('slow');
    log.error({ err: new Error('boom') }, 'request failed');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.level, l.msg])).toEqual([
      ['r-1', 'warn', 'slow'],
      ['r-1', 'error', 'request failed'],
    ]);
  });

  it('keeps redaction and follows its own level once set', () => {
    const { logger, lines } = capture('info');
    const log = new RequestLogger(logger, { reqId: 'r-2' });
    log.info({ password: 'hunter2', token: 't' }, 'login');
    log.level = 'error';
    log.warn('dropped');
    expect(log.level).toBe('error');
    expect(logger.level).toBe('info');
    expect(lines).toEqual([expect.objectContaining({ reqId: 'r-2', msg: 'login', password: '[REDACTED]', token: '[REDACTED]' })]);
  });

  it('the factory gives pino its own child when Fastify passes options (a route-level logLevel)', () => {
    const { logger } = capture('info');
    expect(requestLoggerFactory(logger, { reqId: 'r-3' }, {})).toBeInstanceOf(RequestLogger);
    const routeLevel = requestLoggerFactory(logger, { reqId: 'r-3' }, { level: 'debug' });
    expect(routeLevel).not.toBeInstanceOf(RequestLogger);
    expect(routeLevel.level).toBe('debug');
  });
});

/**
 * A second `/healthz` baseline for bench/hot-reads.js: a bare NestJS 11 application on the
 * same Fastify adapter (one module, one controller, no logger, hooks, pipes or filters), so
 * the gap between the API and bare Fastify splits into what Nest costs and what the app adds.
 *
 * node bench/baselines/healthz-bare-nest.js   (PORT)
 */
'use strict';
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

const LIVE = Object.freeze({ status: 'ok', info: {}, error: {}, details: {} });

class HealthController {
  liveness() {
    return LIVE;
  }
}
// Decorators applied by hand: this file is plain JavaScript.
Get('healthz')(HealthController.prototype, 'liveness', Object.getOwnPropertyDescriptor(HealthController.prototype, 'liveness'));
Controller()(HealthController);

class AppModule {}
Module({ controllers: [HealthController] })(AppModule);

NestFactory.create(AppModule, new FastifyAdapter(), { logger: false })
  .then((app) => app.listen(Number(process.env.PORT), '127.0.0.1').then(() => app))
  .then(
    (app) => {
      process.stdout.write(`listening on ${process.env.PORT}\n`);
      process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
    },
    (error) => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );

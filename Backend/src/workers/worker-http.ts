import http from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from '../metrics/metrics.service';

/**
 * What a long-running worker (--watch, e.g. the automation Deployment) serves for its
 * probes and Prometheus: /healthz (the process), /readyz (the database answers and the
 * worker is not stopping), /metrics (its registry). No API routes.
 */
export function serveWorkerProbes(app: INestApplicationContext, port: number, host: string, isStopping: () => boolean): Promise<http.Server> {
  const prisma = app.get(PrismaService);
  const metrics = app.get(MetricsService);
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (req.method !== 'GET') return send(405, '{"status":"method not allowed"}');
    if (req.url === '/healthz') return send(200, '{"status":"ok"}');
    if (req.url === '/readyz') {
      if (isStopping()) return send(503, '{"status":"stopping"}');
      prisma.$queryRaw`SELECT 1`.then(
        () => send(200, '{"status":"ok"}'),
        () => send(503, '{"status":"database unavailable"}'),
      );
      return;
    }
    if (req.url === '/metrics') {
      metrics.registry.metrics().then((text) => send(200, text, metrics.registry.contentType), () => send(500, ''));
      return;
    }
    send(404, '{"status":"not found"}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

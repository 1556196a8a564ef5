import http from 'node:http';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

/** A local OTLP/HTTP (JSON) trace receiver: collects every exported span and its resource's string attributes. */
export async function startOtlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; resources: Record<string, string | undefined>[]; close(): void }> {
  const spans: OtlpSpan[] = [];
  const resources: Record<string, string | undefined>[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(body);
        for (const rs of payload.resourceSpans ?? []) {
          resources.push(Object.fromEntries((rs.resource?.attributes ?? []).map((a: OtlpAttribute) => [a.key, a.value.stringValue])));
          for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, resources, close: () => server.close() };
}

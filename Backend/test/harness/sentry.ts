import http from 'node:http';
import zlib from 'node:zlib';

export interface EnvelopeItem {
  header: { type: string; length?: number; [key: string]: unknown };
  payload: Record<string, unknown>;
}

export interface ReceivedEnvelope {
  /** The request line's path and query (the SDK authenticates with `sentry_key` there). */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The envelope as sent (gunzipped when the SDK compressed it). */
  body: string;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

export interface SentryReceiver {
  /** `http://<publicKey>@127.0.0.1:<port>/<projectId>` */
  dsn: string;
  publicKey: string;
  envelopes: ReceivedEnvelope[];
  /** The payloads of every `event` item received so far. */
  events(): Record<string, unknown>[];
  /** Everything received, as text: URLs, headers and bodies. */
  allBytes(): string;
  close(): Promise<void>;
}

/**
 * A local Sentry ingestion endpoint: accepts envelopes at `/api/<projectId>/envelope/`
 * (newline-delimited JSON: the envelope header, then item headers each followed by its payload,
 * `length` bytes long when the item header gives one, else up to the next newline) and
 * records them. Answers 200 `{}` like Sentry; anything else is 404.
 */
export async function startSentryReceiver(projectId = '4505'): Promise<SentryReceiver> {
  const publicKey = 'kvtest0public0key0000000000000000';
  const envelopes: ReceivedEnvelope[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      if (req.method !== 'POST' || path !== `/api/${projectId}/envelope/`) {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      envelopes.push({ url: req.url ?? '', headers: req.headers, body: body.toString('utf8'), ...parseEnvelope(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    dsn: `http://${publicKey}@127.0.0.1:${port}/${projectId}`,
    publicKey,
    envelopes,
    events: () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload)),
    allBytes: () => envelopes.map((e) => `${e.url}\n${JSON.stringify(e.headers)}\n${e.body}`).join('\n'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parseEnvelope(body: Buffer): { header: Record<string, unknown>; items: EnvelopeItem[] } {
  let offset = 0;
  const line = () => {
    const end = body.indexOf(0x0a, offset);
    const text = body.subarray(offset, end === -1 ? body.length : end);
    offset = end === -1 ? body.length : end + 1;
    return text;
  };
  const header = JSON.parse(line().toString('utf8')) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const itemHeaderLine = line();
    if (itemHeaderLine.length === 0) continue;
    const itemHeader = JSON.parse(itemHeaderLine.toString('utf8')) as EnvelopeItem['header'];
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = body.subarray(offset, offset + itemHeader.length);
      offset += itemHeader.length;
      if (body[offset] === 0x0a) offset++;
    } else {
      payload = line();
    }
    items.push({ header: itemHeader, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
  }
  return { header, items };
}

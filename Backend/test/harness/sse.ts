import { eventually } from './process';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Parsed events in arrival order (comments excluded). */
  events: SseEvent[];
  /** Comment lines (`: heartbeat`), in arrival order. */
  comments: string[];
  /** Every byte received, as text. */
  raw(): string;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  waitForEvents(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

/**
 * A Server-Sent Events reader over fetch, parsing the wire format (text/event-stream) itself,
 * so tests assert on the bytes the API sends.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let text = '';
  let buffer = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const piece = decoder.decode(chunk, { stream: true });
        text += piece;
        buffer += piece;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) {
            event.data = data.join('\n');
            events.push(event);
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    raw: () => text,
    ended,
    waitForEvents: (count, timeoutMs = 5_000) => eventually(() => (events.length >= count ? events.slice(0, count) : undefined), timeoutMs, `${count} SSE events (have ${events.length})`),
    close: () => abort.abort(),
  };
}

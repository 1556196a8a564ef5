import type { Logger } from 'pino';

/** Runs a pass, waits `intervalSeconds`, repeats; never two passes at once; stop() waits for the current one. */
export class JobLoop {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly intervalSeconds: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.pass()
        // The pass logs its own failure; the loop keeps going.
        .catch(() => this.logger.warn({ job: this.name }, 'pass failed; retrying after the interval'))
        .finally(() => {
          this.current = undefined;
          this.schedule(this.intervalSeconds * 1000);
        });
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }
}

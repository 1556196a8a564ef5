import { Injectable } from '@nestjs/common';

/** Flipped on SIGTERM so readiness fails at once while in-flight requests finish. */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;
  private readonly drains: (() => Promise<void>)[] = [];

  /** Work to finish before the application closes (e.g. a running job pass, while the database is still connected). */
  onShutdown(drain: () => Promise<void>) {
    this.drains.push(drain);
  }

  /** Readiness fails from now on; resolves when every registered drain has finished. */
  async begin(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled(this.drains.map((drain) => drain()));
  }

  get isShuttingDown() {
    return this.shuttingDown;
  }
}

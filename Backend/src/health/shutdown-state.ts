import { Injectable } from '@nestjs/common';

/** Flipped on SIGTERM so readiness fails at once while in-flight requests finish. */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  begin() {
    this.shuttingDown = true;
  }

  get isShuttingDown() {
    return this.shuttingDown;
  }
}

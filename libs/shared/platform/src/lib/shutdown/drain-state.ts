import { Injectable } from '@nestjs/common';

/** Whether the app has been told to stop: readiness reads it, GracefulShutdown sets it. */
@Injectable()
export class DrainState {
  private drainingSince: Date | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDraining(): void {
    this.drainingSince ??= new Date();
  }
}

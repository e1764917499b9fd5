import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { migrationsApplied } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';

const POLL_MS = 2_000;

/**
 * Start-up work that needs the current schema (bootstrap, seeding): run now
 * when every migration is applied, else once a migration job has applied
 * them — the app itself starts either way and stays unready meanwhile.
 */
@Injectable()
export class SchemaReady implements OnApplicationShutdown {
  private readonly logger = new Logger('SchemaReady');
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async whenMigrated(what: string, work: () => Promise<void>): Promise<void> {
    if (await this.isMigrated()) return work();
    this.logger.warn(`Migrations pending: ${what} waits until they are applied`);
    const poll = () => {
      const timer = setTimeout(async () => {
        this.timers.delete(timer);
        if (this.closed) return;
        if (!(await this.isMigrated())) return poll();
        await work().catch((error: unknown) => this.logger.error(`${what} failed: ${(error as Error).message}`));
      }, POLL_MS);
      timer.unref();
      this.timers.add(timer);
    };
    poll();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  private isMigrated(): Promise<boolean> {
    return migrationsApplied(this.dataSource).catch(() => false);
  }
}

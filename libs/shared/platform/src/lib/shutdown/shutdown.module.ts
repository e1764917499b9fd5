import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DrainState } from './drain-state';
import { DrainingHealthIndicator } from './draining.health';
import { ShutdownHooks } from './shutdown-hooks';

/** The drain state and drain steps of an app; createHttpApp adds it to every app. */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [DrainState, ShutdownHooks, DrainingHealthIndicator],
  exports: [DrainState, ShutdownHooks, DrainingHealthIndicator],
})
export class ShutdownModule {}

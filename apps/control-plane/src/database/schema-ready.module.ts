import { Module } from '@nestjs/common';
import { SchemaReady } from './schema-ready';

/** The schema gate for start-up work (bootstrap, seeding, the first projection rebuild). */
@Module({ providers: [SchemaReady], exports: [SchemaReady] })
export class SchemaReadyModule {}

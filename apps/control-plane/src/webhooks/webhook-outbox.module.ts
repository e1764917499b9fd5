import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WebhookOutbox } from './webhook-outbox';
import { WebhooksRepository } from './webhooks.repository';

/**
 * The outbox writer alone, for the features whose changes emit webhook events
 * (keys, members, tenants, billing, metering): it needs nothing but the
 * database, so importing it never pulls the delivery machinery into them.
 */
@Module({
  providers: [{ provide: WebhooksRepository, inject: [DataSource], useFactory: (dataSource: DataSource) => new WebhooksRepository(dataSource) }, WebhookOutbox],
  exports: [WebhookOutbox, WebhooksRepository],
})
export class WebhookOutboxModule {}

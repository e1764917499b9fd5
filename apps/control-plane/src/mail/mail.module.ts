import { Module } from '@nestjs/common';
import { Mailer } from './mailer';

/** Outgoing mail: one template per kind of message, sent over SMTP (docs/operations.md, Mail). */
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}

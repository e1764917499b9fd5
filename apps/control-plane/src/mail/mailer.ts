import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { redactEmail, SluiceException } from '@sluice/platform';
import { createTransport, type Transporter } from 'nodemailer';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { renderMail, type MailKind, type MailTemplates } from './templates';

/**
 * Outgoing mail over SMTP (`SMTP_URL`). Without it, whatever needs mail is
 * refused with 503 `mail_not_configured` before it changes anything: no
 * message is ever dropped silently.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: Transporter | null;

  constructor(@Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig) {
    this.transport = config.mail.smtpUrl ? createTransport(config.mail.smtpUrl) : null;
  }

  /** Call before any change that promises a message. */
  requireConfigured(): void {
    if (!this.transport) throw new SluiceException('mail_not_configured', 'Mail is not configured on this platform (SMTP_URL is not set)');
  }

  async send<K extends MailKind>(kind: K, to: string, values: MailTemplates[K]): Promise<void> {
    this.requireConfigured();
    const message = renderMail(kind, values);
    await (this.transport as Transporter).sendMail({ from: this.config.mail.from, to, ...message });
    this.logger.log(`Sent ${kind} mail to ${redactEmail(to)}`);
  }

  /**
   * Sends after the answer (so its time does not tell anything about the
   * address); a failure is logged, with the address redacted.
   */
  sendLater<K extends MailKind>(kind: K, to: string, values: MailTemplates[K]): void {
    this.send(kind, to, values).catch((error: unknown) => {
      this.logger.error(`Could not send ${kind} mail to ${redactEmail(to)}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}

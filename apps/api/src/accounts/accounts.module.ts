import { Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { MailModule } from '@bastion/mail';
import { apiConfig, mailConfig } from '../config';
import { SecurityEvents } from '../audit/security-events.service';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { AccountTokens } from './account-tokens.service';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { AfterResponse } from './after-response.service';
import { EmailLimits } from './email-limits.service';
import { InvitationsController } from './invitations.controller';
import { InvitationsService } from './invitations.service';

const logger = new Logger('Mail');

/**
 * Sign-up, email verification, invitations and password reset (docs/accounts.md), with their mail: through
 * SMTP_URL, or into the development outbox (.data/mail-outbox) with the link in the log.
 */
@Module({
  imports: [
    AuthModule,
    AuthzModule,
    MailModule.forRootAsync({
      isGlobal: false,
      inject: [mailConfig.KEY, apiConfig.KEY, SecurityEvents],
      useFactory: (mail: ConfigType<typeof mailConfig>, api: ConfigType<typeof apiConfig>, events: SecurityEvents) => ({
        from: mail.MAIL_FROM,
        smtpUrl: mail.SMTP_URL,
        outboxDir: mail.MAIL_OUTBOX_DIR,
        // An SMTP outage never fails a request: messages wait in the queue (1 s, 2 s, 4 s), then are logged and
        // audited as lost; the user asks again (resend, forgot-password).
        onEvent: (event) => {
          if (event.type === 'stored' && api.NODE_ENV !== 'production') {
            // `npm start` alone shows the whole flow: the link of the message, in the development log.
            const links = event.text?.match(/https?:\/\/\S+/g) ?? [];
            logger.log(`development outbox: "${event.subject}" for ${event.to} in ${event.file}${links.length ? ` — ${links.join(' ')}` : ''}`);
          } else if (event.type === 'retry') {
            logger.warn(`mail "${event.subject}" attempt ${event.attempt} failed, retrying: ${(event.error as Error)?.message ?? event.error}`);
          } else if (event.type === 'failed' || event.type === 'dropped') {
            logger.error(`mail "${event.subject}" ${event.type === 'dropped' ? 'dropped (queue full)' : `not delivered after ${event.attempt} attempts: ${(event.error as Error)?.message ?? event.error}`}`);
            events.record({ action: 'mail.failed', outcome: 'failure', actorType: 'system', details: { subject: event.subject, reason: event.type } });
          }
        },
      }),
    }),
  ],
  controllers: [AccountsController, InvitationsController],
  providers: [AccountTokens, AccountsService, InvitationsService, AfterResponse, EmailLimits],
  exports: [AccountsService],
})
export class AccountsModule {}

import { type DynamicModule, Module } from '@nestjs/common';
import { MailConfigurableModule, MAIL_ASYNC_OPTIONS_TYPE, MAIL_MODULE_OPTIONS, MAIL_OPTIONS_TYPE, RAW_MAIL_OPTIONS } from './mail.module-definition.js';
import { MailService } from './mail.service.js';
import { validateMailOptions } from './options.js';

/**
 * Provides {@link MailService}. Options are validated when the module is built; a bad one fails the start-up
 * naming the option. Global unless `isGlobal: false`.
 *
 * @example
 * MailModule.forRoot({ from: 'Bastion <noreply@example.com>', smtpUrl: process.env.SMTP_URL })
 */
@Module({})
export class MailModule extends MailConfigurableModule {
  static override forRoot(options: typeof MAIL_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRoot(options));
  }

  static override forRootAsync(options: typeof MAIL_ASYNC_OPTIONS_TYPE): DynamicModule {
    return wire(super.forRootAsync(options));
  }
}

function wire(base: DynamicModule): DynamicModule {
  return {
    ...base,
    providers: [...(base.providers ?? []), { provide: MAIL_MODULE_OPTIONS, inject: [RAW_MAIL_OPTIONS], useFactory: validateMailOptions }, MailService],
    exports: [...(base.exports ?? []), MAIL_MODULE_OPTIONS, MailService],
  };
}

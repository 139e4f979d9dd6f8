import { Global, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DATABASE_CONNECTION, type DatabaseConnection } from '@bastion/database';
import { checkFieldKeys, type FieldKeys, openFieldKeys } from './field-keys';

/** Injection token of the process's {@link FieldKeys}. */
export const FIELD_KEYS = 'BASTION:FIELD_KEYS';

/**
 * The field-encryption keys of the API. DatabaseModule applies the
 * extension with them (app.module.ts); at start-up they must decrypt what is
 * stored, or the API does not start.
 */
@Global()
@Module({
  providers: [{ provide: FIELD_KEYS, useFactory: () => openFieldKeys({ watch: true }) }],
  exports: [FIELD_KEYS],
})
export class EncryptionModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(FIELD_KEYS) private readonly keys: FieldKeys,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await checkFieldKeys(this.moduleRef.get<DatabaseConnection>(DATABASE_CONNECTION, { strict: false }), this.keys);
  }

  onModuleDestroy(): void {
    this.keys.stop();
  }
}

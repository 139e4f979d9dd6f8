import { Module } from '@nestjs/common';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';

/** The documents feature of the demo (multi-tenant). */
@Module({ controllers: [DocumentsController], providers: [DocumentsService] })
export class DocumentsModule {}

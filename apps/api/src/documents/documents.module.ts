import { Module } from '@nestjs/common';
import { AuthzModule } from '../authz/authz.module';
import { DocumentsListService } from './documents-list.service';
import { DocumentsV2Controller } from './documents-v2.controller';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';

/** The documents feature of the demo (multi-tenant), in v1 and v2. */
@Module({
  imports: [AuthzModule],
  controllers: [DocumentsController, DocumentsV2Controller],
  providers: [DocumentsService, DocumentsListService],
})
export class DocumentsModule {}

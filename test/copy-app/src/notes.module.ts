// libs/database and libs/field-encryption together (the Nest 12 app): Prisma on the embedded PGlite, with the
// `body` column encrypted by the field-encryption extension. The app without libs/database uses
// ../without-database/notes.module.ts instead.
import { Body, Controller, Inject, Injectable, Module, type OnModuleInit, Post } from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { randomBytes, randomUUID } from 'node:crypto';
import { Auth } from './libs/auth/src/index.js';
import {
  applyMigrations,
  DATABASE_CONNECTION,
  DatabaseModule,
  PrismaService,
  type DatabaseConnection,
} from './libs/database/src/index.js';
import { FieldKeyRing, generateFieldKey, withFieldEncryption } from './libs/field-encryption/src/index.js';

const key = generateFieldKey();
const ring = new FieldKeyRing({ activeKid: key.kid, keys: [key], blindIndexKey: randomBytes(32) });

export class CreateNoteDto {
  @IsString() @MaxLength(1000) body!: string;
}

/** The module does not migrate (libs/database README step 7): apply the app's migrations before serving. */
@Injectable()
export class Migrations implements OnModuleInit {
  constructor(@Inject(DATABASE_CONNECTION) private readonly db: DatabaseConnection) {}
  async onModuleInit(): Promise<void> {
    await applyMigrations(this.db, 'prisma/migrations');
  }
}

@Controller('notes')
export class NotesController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(DATABASE_CONNECTION) private readonly db: DatabaseConnection,
  ) {}

  /** Stores a note and answers with what Prisma reads back and what the table holds. */
  @Auth('jwt')
  @Post()
  async create(@Body() dto: CreateNoteDto) {
    const note = await this.prisma.note.create({ data: { id: randomUUID(), body: dto.body } });
    const read = await this.prisma.note.findUniqueOrThrow({ where: { id: note.id } });
    const [row] = await this.db.session((s) => s.query<{ body: string }>('SELECT body FROM notes WHERE id = $1', [note.id]));
    return { id: note.id, body: read.body, stored: row?.body };
  }
}

@Module({
  imports: [
    DatabaseModule.forRootAsync({
      useFactory: () => ({
        url: process.env.DATABASE_URL,
        embeddedDir: process.env.EMBEDDED_DB_DIR ?? '.data/pglite',
        extendClient: (client) => withFieldEncryption(client, { ring, models: { Note: { table: 'notes', fields: { body: {} } } } }),
      }),
    }),
  ],
  controllers: [NotesController],
  providers: [Migrations],
})
export class NotesModule {}

export const NOTES_MODULES = [NotesModule];

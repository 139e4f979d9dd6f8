import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { SessionsController } from './sessions.controller';
import { UserSessionsController } from './user-sessions.controller';

/** The sessions feature: the caller's list and ends, and an admin's for a user (the service lives in AuthModule, which records sessions at sign-in). */
@Module({ imports: [AuthModule, AuthzModule], controllers: [SessionsController, UserSessionsController] })
export class SessionsModule {}

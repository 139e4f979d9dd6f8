import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { UsersAdminController } from './users-admin.controller';
import { UsersV2Controller } from './users-v2.controller';
import { UsersController } from './users.controller';

/** The users feature: profiles, passwords, and (admins) roles and status. */
@Module({ imports: [AuthModule, AuthzModule], controllers: [UsersController, UsersV2Controller, UsersAdminController] })
export class UsersModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersV2Controller } from './users-v2.controller';
import { UsersController } from './users.controller';

/** The users feature: for now the caller's own profile and password. */
@Module({ imports: [AuthModule], controllers: [UsersController, UsersV2Controller] })
export class UsersModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersController } from './users.controller';

/** The users feature: for now the caller's own profile and password. */
@Module({ imports: [AuthModule], controllers: [UsersController] })
export class UsersModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ProfileController } from './profile.controller';
import { ProfileRepository } from './profile.repository';
import { ProfileService } from './profile.service';

@Module({ imports: [AuthModule], controllers: [ProfileController], providers: [ProfileService, ProfileRepository] })
export class ProfileModule {}

import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AccessTokens } from './access-tokens';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthRequestsService } from './auth-requests.service';
import { AuthService } from './auth.service';
import { AccessTokenGuard, RolesGuard } from './guards';

@Module({
  imports: [
    UsersModule,
    MailModule,
    RateLimitModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: config.JWT_SECRET,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, AuthRequestsService, AuthRepository, AccessTokens, AccessTokenGuard, RolesGuard],
  // Other features protect their routes with @Authenticated() / @RequireRoles(), which need these.
  exports: [AccessTokens, AccessTokenGuard, RolesGuard, AuthRepository, UsersModule],
})
export class AuthModule {}

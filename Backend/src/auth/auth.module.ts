import { createSecretKey } from 'node:crypto';
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
        // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
        // PEM public key on every verify (a thrown error each time: 13% of the CPU of
        // GET /auth/me under load, docs/performance.md).
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')),
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

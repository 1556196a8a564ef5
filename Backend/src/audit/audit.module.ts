import { Global, Module } from '@nestjs/common';
import { AdminAuditRepository } from './admin-audit.repository';

@Global()
@Module({ providers: [AdminAuditRepository], exports: [AdminAuditRepository] })
export class AuditModule {}

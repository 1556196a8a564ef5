import { HttpStatus, Injectable } from '@nestjs/common';
import { KycStatus } from '@prisma/client';
import { AppError } from '../errors/error-body';
import { KycRepository } from '../kyc/kyc.repository';
import { toKycSubmissionDto } from '../kyc/kyc.dto';
import { AdminRepository } from './admin.repository';
import { toAdminUserDetailDto, toAdminUserDto, type AdminKycListDto, type AdminUserDetailDto, type AdminUserListDto, type ListKycQuery, type ListUsersQuery } from './admin.dto';

@Injectable()
export class AdminService {
  constructor(
    private readonly repo: AdminRepository,
    private readonly kyc: KycRepository,
  ) {}

  async listUsers(query: ListUsersQuery): Promise<AdminUserListDto> {
    const [users, total] = await this.repo.listUsers({ ...query, limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return { items: users.map(toAdminUserDto), total };
  }

  async userDetail(id: string): Promise<AdminUserDetailDto> {
    const user = await this.repo.userDetail(id);
    if (!user) throw new AppError(HttpStatus.NOT_FOUND, 'USER_NOT_FOUND', 'User not found');
    return toAdminUserDetailDto(user);
  }

  async listKyc(query: ListKycQuery): Promise<AdminKycListDto> {
    const [items, total] = await this.kyc.list({ status: query.status ?? KycStatus.PENDING, limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return { items: items.map((s) => ({ ...toKycSubmissionDto(s, { mask: false }), user: s.user })), total };
  }
}

import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { ApiErrors } from '../errors/api-errors';
import { RequireRoles } from '../auth/guards';
import { AdminUserDetailDto, AdminUserListDto, ListUsersQuery } from './admin.dto';
import { AdminService } from './admin.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('admin')
@Controller('admin/users')
@RequireRoles(Role.ADMIN)
export class AdminUsersController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({ summary: 'List users (no password hashes, codes or tokens)' })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiErrors(400)
  list(@Query() query: ListUsersQuery): Promise<AdminUserListDto> {
    return this.admin.listUsers(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user with profile and KYC submissions (no secrets)' })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  detail(@Param('id', new ParseUUIDPipe()) id: string): Promise<AdminUserDetailDto> {
    return this.admin.userDetail(id);
  }
}

import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, RequireRoles, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { AdminDepositDto, AdminDepositListDto, ListDepositsQuery, RejectDto } from './deposits.dto';
import { DepositsService } from './deposits.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('admin')
@Controller('admin/deposits')
@RequireRoles(Role.ADMIN)
export class AdminDepositsController {
  constructor(private readonly deposits: DepositsService) {}

  @Get()
  @ApiOperation({ summary: 'Deposits to review, newest first (filter by status)' })
  @ApiOkResponse({ type: AdminDepositListDto })
  @ApiErrors(400)
  list(@Query() query: ListDepositsQuery): Promise<AdminDepositListDto> {
    return this.deposits.adminList(query);
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject a deposit that is not final yet; audited, the user is notified' })
  @ApiOkResponse({ type: AdminDepositDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  reject(@CurrentUser() admin: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: RejectDto): Promise<AdminDepositDto> {
    return this.deposits.adminReject(admin.id, id, body.reason);
  }
}

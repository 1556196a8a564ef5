import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, RequireRoles, type AuthenticatedUser } from '../auth/guards';
import { RejectDto } from '../deposits/deposits.dto';
import { ApiErrors } from '../errors/api-errors';
import { AdminWithdrawalDto, AdminWithdrawalListDto, ApproveWithdrawalDto, ListWithdrawalsQuery } from './withdrawals.dto';
import { WithdrawalsService } from './withdrawals.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('admin')
@Controller('admin/withdrawals')
@RequireRoles(Role.ADMIN)
export class AdminWithdrawalsController {
  constructor(private readonly withdrawals: WithdrawalsService) {}

  @Get()
  @ApiOperation({ summary: 'Withdrawals, newest first (filter by status, e.g. PENDING)' })
  @ApiOkResponse({ type: AdminWithdrawalListDto })
  @ApiErrors(400)
  list(@Query() query: ListWithdrawalsQuery): Promise<AdminWithdrawalListDto> {
    return this.withdrawals.adminList(query);
  }

  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Approve a pending withdrawal with the payout transaction hash; audited, the user is notified' })
  @ApiOkResponse({ type: AdminWithdrawalDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  approve(@CurrentUser() admin: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: ApproveWithdrawalDto): Promise<AdminWithdrawalDto> {
    return this.withdrawals.approve(admin.id, id, body.payoutTxHash);
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject a pending withdrawal: the hold is released; audited, the user is notified' })
  @ApiOkResponse({ type: AdminWithdrawalDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  reject(@CurrentUser() admin: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: RejectDto): Promise<AdminWithdrawalDto> {
    return this.withdrawals.reject(admin.id, id, body.reason);
  }
}

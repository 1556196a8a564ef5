import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, RequireRoles, type AuthenticatedUser } from '../auth/guards';
import { RejectDto } from '../deposits/deposits.dto';
import { ApiErrors } from '../errors/api-errors';
import { AdminInvestmentDto, AdminInvestmentListDto, AdminListInvestmentsQuery } from './investments.dto';
import { InvestmentsService } from './investments.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('admin')
@Controller('admin/investments')
@RequireRoles(Role.ADMIN)
export class AdminInvestmentsController {
  constructor(private readonly investments: InvestmentsService) {}

  @Get()
  @ApiOperation({ summary: "Every user's investments, newest first, optionally by status and user" })
  @ApiOkResponse({ type: AdminInvestmentListDto })
  @ApiErrors(400)
  list(@Query() query: AdminListInvestmentsQuery): Promise<AdminInvestmentListDto> {
    return this.investments.adminList(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One investment, with its owner and cancellation details' })
  @ApiOkResponse({ type: AdminInvestmentDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<AdminInvestmentDto> {
    return this.investments.adminGet(id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel an active investment: the principal is returned now, earnings paid so far are kept; audited, the owner is notified' })
  @ApiOkResponse({ type: AdminInvestmentDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  cancel(@CurrentUser() admin: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: RejectDto): Promise<AdminInvestmentDto> {
    return this.investments.adminCancel(admin.id, id, body.reason);
  }
}

import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { ApiErrors } from '../errors/api-errors';
import { Client, type ClientContext } from '../auth/client-context';
import { CurrentUser, RequireRoles, type AuthenticatedUser } from '../auth/guards';
import { KycDecisionDto, KycSubmissionDto } from '../kyc/kyc.dto';
import { KycService } from '../kyc/kyc.service';
import { AdminKycListDto, ListKycQuery } from './admin.dto';
import { AdminService } from './admin.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('admin')
@Controller('admin/kyc')
@RequireRoles(Role.ADMIN)
export class AdminKycController {
  constructor(
    private readonly admin: AdminService,
    private readonly kyc: KycService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'KYC submissions to review (default: PENDING, oldest first)' })
  @ApiOkResponse({ type: AdminKycListDto })
  @ApiErrors(400)
  list(@Query() query: ListKycQuery): Promise<AdminKycListDto> {
    return this.admin.listKyc(query);
  }

  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Approve a pending submission; the user is notified' })
  @ApiOkResponse({ type: KycSubmissionDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  approve(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() admin: AuthenticatedUser, @Client() client: ClientContext): Promise<KycSubmissionDto> {
    return this.kyc.decide(id, 'APPROVED', null, admin.id, client);
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reject a pending submission with a reason; the user is notified and may submit again' })
  @ApiOkResponse({ type: KycSubmissionDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  reject(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: KycDecisionDto,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientContext,
  ): Promise<KycSubmissionDto> {
    return this.kyc.decide(id, 'REJECTED', body.reason, admin.id, client);
  }
}

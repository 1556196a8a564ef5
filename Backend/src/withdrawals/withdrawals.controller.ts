import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { ListWithdrawalsQuery, RequestWithdrawalDto, WithdrawalDto, WithdrawalListDto } from './withdrawals.dto';
import { WithdrawalsService } from './withdrawals.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('withdrawals')
@Controller('withdrawals')
@Authenticated()
export class WithdrawalsController {
  constructor(private readonly withdrawals: WithdrawalsService) {}

  @Post()
  @ApiOperation({ summary: 'Request a withdrawal (KYC approved): the amount is held until an admin decides' })
  @ApiCreatedResponse({ type: WithdrawalDto })
  @ApiErrors(400, 403, 409)
  request(@CurrentUser() user: AuthenticatedUser, @Body() body: RequestWithdrawalDto): Promise<WithdrawalDto> {
    return this.withdrawals.request(user.id, body);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel my pending withdrawal: the hold is released' })
  @ApiOkResponse({ type: WithdrawalDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  cancel(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<WithdrawalDto> {
    return this.withdrawals.cancel(user.id, id);
  }

  @Get()
  @ApiOperation({ summary: 'My withdrawals, newest first (cursor-paginated)' })
  @ApiOkResponse({ type: WithdrawalListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListWithdrawalsQuery): Promise<WithdrawalListDto> {
    return this.withdrawals.list(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my withdrawals' })
  @ApiOkResponse({ type: WithdrawalDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<WithdrawalDto> {
    return this.withdrawals.get(user.id, id);
  }
}

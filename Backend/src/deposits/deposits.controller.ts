import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { DepositDto, DepositListDto, ListDepositsQuery, OpenDepositDto, SubmitTxDto } from './deposits.dto';
import { DepositsService } from './deposits.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('deposits')
@Controller('deposits')
@Authenticated()
export class DepositsController {
  constructor(private readonly deposits: DepositsService) {}

  @Post()
  @ApiOperation({ summary: 'Open a deposit intent: get the platform address to send to' })
  @ApiCreatedResponse({ type: DepositDto })
  @ApiErrors(400, 409)
  open(@CurrentUser() user: AuthenticatedUser, @Body() body: OpenDepositDto): Promise<DepositDto> {
    return this.deposits.open(user.id, body);
  }

  @Post(':id/tx')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Submit the hash of the transaction that sent the funds (OPEN → SUBMITTED)' })
  @ApiOkResponse({ type: DepositDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  submitTx(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: SubmitTxDto): Promise<DepositDto> {
    return this.deposits.submitTx(user.id, id, body.txHash);
  }

  @Get()
  @ApiOperation({ summary: 'My deposits, newest first (cursor-paginated)' })
  @ApiOkResponse({ type: DepositListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListDepositsQuery): Promise<DepositListDto> {
    return this.deposits.list(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my deposits' })
  @ApiOkResponse({ type: DepositDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<DepositDto> {
    return this.deposits.get(user.id, id);
  }
}

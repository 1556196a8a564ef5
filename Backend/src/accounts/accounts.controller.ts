import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AssetCode } from '@prisma/client';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { AssetParamPipe } from '../assets/assets.service';
import { ApiErrors } from '../errors/api-errors';
import { CursorPageQuery } from '../http/page-query';
import { BalanceListDto, LedgerPageDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@Controller('accounts')
@Authenticated()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'My balance per asset (zero balances included)' })
  @ApiOkResponse({ type: BalanceListDto })
  balances(@CurrentUser() user: AuthenticatedUser): Promise<BalanceListDto> {
    return this.accounts.balances(user.id);
  }

  @Get(':asset/ledger')
  @ApiOperation({ summary: 'My ledger history of one asset, newest first (cursor-paginated)' })
  @ApiParam({ name: 'asset', enum: AssetCode, enumName: 'AssetCode' })
  @ApiOkResponse({ type: LedgerPageDto })
  @ApiErrors(400)
  history(@CurrentUser() user: AuthenticatedUser, @Param('asset', AssetParamPipe) asset: AssetCode, @Query() query: CursorPageQuery): Promise<LedgerPageDto> {
    return this.accounts.history(user.id, asset, query);
  }
}

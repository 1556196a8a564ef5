import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { CreateTradeDto, ListTradesQuery, TradeDto, TradeListDto } from './trades.dto';
import { TradesService } from './trades.service';

@ApiTags('trades')
@Controller('trades')
@Authenticated()
export class TradesController {
  constructor(private readonly trades: TradesService) {}

  @Post()
  @ApiOperation({ summary: 'Record a trade in my journal' })
  @ApiCreatedResponse({ type: TradeDto })
  @ApiErrors(400)
  record(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateTradeDto): Promise<TradeDto> {
    return this.trades.record(user.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'My journal, newest first (cursor-paginated)' })
  @ApiOkResponse({ type: TradeListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListTradesQuery): Promise<TradeListDto> {
    return this.trades.list(user.id, query);
  }
}

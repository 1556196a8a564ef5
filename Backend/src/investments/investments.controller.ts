import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { CursorPageQuery } from '../http/page-query';
import { CreateInvestmentDto, InvestmentDto, InvestmentListDto } from './investments.dto';
import { InvestmentsService } from './investments.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('investments')
@Controller('investments')
@Authenticated()
export class InvestmentsController {
  constructor(private readonly investments: InvestmentsService) {}

  @Post()
  @ApiOperation({ summary: 'Invest in an active plan: the principal is debited from my balance' })
  @ApiCreatedResponse({ type: InvestmentDto })
  @ApiErrors(400, 404, 409)
  invest(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateInvestmentDto): Promise<InvestmentDto> {
    return this.investments.invest(user.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'My investments, newest first, with accrued earnings' })
  @ApiOkResponse({ type: InvestmentListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: CursorPageQuery): Promise<InvestmentListDto> {
    return this.investments.list(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my investments, with accrued earnings and the next accrual date' })
  @ApiOkResponse({ type: InvestmentDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<InvestmentDto> {
    return this.investments.get(user.id, id);
  }
}

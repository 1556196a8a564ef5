import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { CursorPageQuery } from '../http/page-query';
import { SessionDetailDto, SessionDto, SessionListDto, StartSessionDto } from './automation.dto';
import { AutomationService } from './automation.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('automation')
@Controller('automation/sessions')
@Authenticated()
export class AutomationController {
  constructor(private readonly automation: AutomationService) {}

  @Post()
  @ApiOperation({ summary: 'Start a paper-trading session of N simulated runs (no money moves)' })
  @ApiCreatedResponse({ type: SessionDto })
  @ApiErrors(400)
  start(@CurrentUser() user: AuthenticatedUser, @Body() body: StartSessionDto): Promise<SessionDto> {
    return this.automation.start(user.id, body);
  }

  @Post(':id/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Stop my running session (its completed runs stay)' })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  stop(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<SessionDto> {
    return this.automation.stop(user.id, id);
  }

  @Get()
  @ApiOperation({ summary: 'My sessions, newest first' })
  @ApiOkResponse({ type: SessionListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: CursorPageQuery): Promise<SessionListDto> {
    return this.automation.list(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my sessions with its results and latest runs' })
  @ApiOkResponse({ type: SessionDetailDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<SessionDetailDto> {
    return this.automation.get(user.id, id);
  }
}

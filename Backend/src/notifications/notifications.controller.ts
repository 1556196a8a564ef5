import { Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../errors/api-errors';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ListNotificationsQuery, MarkedReadDto, NotificationListDto } from './notifications.dto';
import { NotificationsService } from './notifications.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('notifications')
@Controller('notifications')
@Authenticated()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'My notifications, newest first' })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListNotificationsQuery): Promise<NotificationListDto> {
    return this.notifications.list(user.id, query);
  }

  @Post('read-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiOkResponse({ type: MarkedReadDto })
  async markAllRead(@CurrentUser() user: AuthenticatedUser): Promise<MarkedReadDto> {
    return { updated: await this.notifications.markAllRead(user.id) };
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Mark one of my notifications read' })
  @ApiNoContentResponse({ description: 'Marked read' })
  @ApiErrors(400, 404)
  @ApiIdParam()
  async markRead(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.notifications.markRead(user.id, id);
  }
}

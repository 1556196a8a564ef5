import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../errors/api-errors';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { ProfileDto, UpdateProfileDto } from './profile.dto';
import { ProfileService } from './profile.service';

@ApiTags('profile')
@Controller('profile')
@Authenticated()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get()
  @ApiOperation({ summary: 'My account and profile' })
  @ApiOkResponse({ type: ProfileDto })
  get(@CurrentUser() user: AuthenticatedUser): Promise<ProfileDto> {
    return this.profiles.get(user.id);
  }

  @Patch()
  @ApiOperation({ summary: 'Update my name and profile (only the fields sent; null clears a field)' })
  @ApiOkResponse({ type: ProfileDto })
  @ApiErrors(400)
  update(@CurrentUser() user: AuthenticatedUser, @Body() body: UpdateProfileDto): Promise<ProfileDto> {
    return this.profiles.update(user.id, body);
  }
}

import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../errors/api-errors';
import { Client, type ClientContext } from '../auth/client-context';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '../auth/guards';
import { KycStatusDto, KycSubmissionDto, SubmitKycDto } from './kyc.dto';
import { KycService } from './kyc.service';

@ApiTags('kyc')
@Controller('kyc')
@Authenticated()
export class KycController {
  constructor(private readonly kyc: KycService) {}

  @Get()
  @ApiOperation({ summary: 'My KYC status and latest submission' })
  @ApiOkResponse({ type: KycStatusDto })
  status(@CurrentUser() user: AuthenticatedUser): Promise<KycStatusDto> {
    return this.kyc.status(user.id);
  }

  @Post()
  @ApiOperation({ summary: 'Submit identity documents (status NOT_SUBMITTED or REJECTED → PENDING)' })
  @ApiCreatedResponse({ type: KycSubmissionDto })
  @ApiErrors(400, 409)
  submit(@CurrentUser() user: AuthenticatedUser, @Body() body: SubmitKycDto, @Client() client: ClientContext): Promise<KycSubmissionDto> {
    return this.kyc.submit(user.id, body, client);
  }
}

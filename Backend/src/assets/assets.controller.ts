import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AssetListDto } from './assets.dto';
import { AssetsService } from './assets.service';

@ApiTags('assets')
@Controller('assets')
export class AssetsController {
  constructor(private readonly assets: AssetsService) {}

  @Get()
  @ApiOperation({ summary: 'Supported assets: decimals, network, confirmations, minimums (public)' })
  @ApiOkResponse({ type: AssetListDto })
  list(): AssetListDto {
    return { items: this.assets.list() };
  }
}

import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { RequireRoles } from '../auth/guards';
import { DashboardDto } from './admin-dashboard.dto';
import { AdminDashboardService } from './admin-dashboard.service';

@ApiTags('admin')
@Controller('admin/dashboard')
@RequireRoles(Role.ADMIN)
export class AdminDashboardController {
  constructor(private readonly dashboard: AdminDashboardService) {}

  @Get()
  @ApiOperation({ summary: 'Platform figures: users, KYC queue, deposits by status, pending withdrawals, assets under management per asset, investments, earnings paid today' })
  @ApiOkResponse({ type: DashboardDto })
  figures(): Promise<DashboardDto> {
    return this.dashboard.figures();
  }
}

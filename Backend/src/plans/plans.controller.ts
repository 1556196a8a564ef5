import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, RequireRoles, type AuthenticatedUser } from '../auth/guards';
import { ApiErrors } from '../errors/api-errors';
import { CreatePlanDto, PlanDto, PlanListDto, QuoteDto, QuoteQuery, toPlanDto, UpdatePlanDto } from './plans.dto';
import { PlansService } from './plans.service';
import { ApiIdParam } from '../http/id-param';

@ApiTags('plans')
@Controller('plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({ summary: 'Active plans, smallest minimum first (public)' })
  @ApiOkResponse({ type: PlanListDto })
  async list(): Promise<PlanListDto> {
    return { items: await this.plans.listActive() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One active plan (public)' })
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<PlanDto> {
    return toPlanDto(await this.plans.getActive(id));
  }

  @Get(':id/quote')
  @ApiOperation({ summary: 'What investing `amount` would earn: daily earning, total return, maturity date (public; the same rule the earnings job pays)' })
  @ApiOkResponse({ type: QuoteDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  quote(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: QuoteQuery): Promise<QuoteDto> {
    return this.plans.quote(id, query.amount);
  }
}

@ApiTags('admin')
@Controller('admin/plans')
@RequireRoles(Role.ADMIN)
export class AdminPlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({ summary: 'Every plan, inactive ones included' })
  @ApiOkResponse({ type: PlanListDto })
  async list(): Promise<PlanListDto> {
    return { items: await this.plans.adminList() };
  }

  @Post()
  @ApiOperation({ summary: 'Create a plan; audited' })
  @ApiCreatedResponse({ type: PlanDto })
  @ApiErrors(400, 409)
  create(@CurrentUser() admin: AuthenticatedUser, @Body() body: CreatePlanDto): Promise<PlanDto> {
    return this.plans.create(admin.id, body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change or (active: false) deactivate a plan; running investments keep their terms; audited' })
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  update(@CurrentUser() admin: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdatePlanDto): Promise<PlanDto> {
    return this.plans.update(admin.id, id, body);
  }
}

import { Controller, Get, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AppError, ErrorBodyDto } from '../errors/error-body';
import { ReadinessIndicators } from './readiness.indicators';

/** `GET /healthz`'s body: terminus's shape for a check with no indicators. */
const LIVE = Object.freeze({ status: 'ok', info: {}, error: {}, details: {} });

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  @Get('healthz')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up (never touches the database)' })
  liveness() {
    // What terminus answers for no indicators, without its per-call work: probes hit this often.
    return LIVE;
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations applied, not shutting down' })
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto })
  async readinessCheck() {
    try {
      return await this.health.check([
        () => this.readiness.notShuttingDown(),
        () => this.readiness.database(),
        () => this.readiness.migrations(),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failed = (error.getResponse() as { error?: Record<string, { message?: string }> }).error ?? {};
      const details = Object.entries(failed).map(([field, value]) => ({ field, message: value.message ?? 'down' }));
      throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'NOT_READY', `Not ready: ${details.map((d) => d.field).join(', ')}`, details);
    }
  }
}

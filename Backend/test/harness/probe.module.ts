import { Body, Controller, Get, Inject, Module, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../../src/config/config.module';

/**
 * Test-only routes that exercise the shared HTTP pipeline (parsing, validation, error
 * shape, logging, draining). Mounted only by tests through createApp's extraModules.
 */
class EchoBody {
  @IsEmail() email!: string;
  @IsString() @Length(1, 20) name!: string;
  @IsInt() @Min(0) count!: number;
}

class ListQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

export class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  entered = false;
  open() {
    this.release();
  }
}

export const probeGate = { current: new Gate() };

@Controller('__probe')
class ProbeController {
  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

  @Post('echo')
  echo(@Body() body: EchoBody) {
    return body;
  }

  @Get('items')
  items(@Query() query: ListQuery) {
    return { limit: query.limit ?? 10 };
  }

  @Get('boom')
  boom() {
    throw new Error('internal detail: table ledger locked');
  }

  @Post('log-secrets')
  logSecrets(@Body() body: Record<string, unknown>) {
    this.logger.info({ body, password: 'hunter2', user: { token: 'tok_123' } }, 'probe log');
    return { ok: true };
  }

  @Get('slow')
  async slow() {
    probeGate.current.entered = true;
    await probeGate.current.opened;
    return { finished: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}

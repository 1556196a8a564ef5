import { Body, Controller, Get, Inject, Module, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { Logger } from 'pino';
import net from 'node:net';
import pg from 'pg';
import { APP_LOGGER } from '../../src/config/config.module';
import { PrismaService } from '../../src/database/prisma.service';

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
  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly prisma: PrismaService,
  ) {}

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

  /** A Prisma validation error whose message would carry the query's argument values. */
  @Get('prisma-invalid')
  async prismaInvalid() {
    return this.prisma.user.findMany({ where: { email: 'prisma-arg-secret@example.com' }, skip: 1e20 });
  }

  /** A unique violation (P2002) left unhandled: the 500 log line must keep err.code. */
  @Get('duplicate')
  async duplicate() {
    const job = `probe-duplicate-${Date.now()}-${Math.random()}`;
    await this.prisma.jobStatus.create({ data: { job } });
    return this.prisma.jobStatus.create({ data: { job } });
  }

  /** A connection refused (ECONNREFUSED) left unhandled. */
  @Get('refused')
  async refused() {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'nothing' });
    await client.connect();
  }

  @Post('log-codes')
  logCodes(@Body() body: Record<string, unknown>) {
    this.logger.info({ code: '246810', dto: { code: '135790' }, body }, 'probe codes');
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

import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsEnum, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { AssetCode, AutomationSessionStatus, type AutomationRun, type AutomationSession } from '@prisma/client';
import { AMOUNT_PATTERN, Decimal } from '../assets/amounts';
import { STRATEGIES, type Strategy } from './simulation';

const STRATEGY_NAMES = Object.keys(STRATEGIES) as Strategy[];

export class StartSessionDto {
  @ApiProperty({ enum: STRATEGY_NAMES }) @IsIn(STRATEGY_NAMES, { message: `strategy must be one of ${STRATEGY_NAMES.join(', ')}` }) strategy!: Strategy;

  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode', isArray: true, example: ['BTC', 'ETH'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  @ArrayUnique()
  @IsEnum(AssetCode, { each: true, message: `each currency must be one of ${Object.values(AssetCode).join(', ')}` })
  currencies!: AssetCode[];

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10000 }) @Type(() => Number) @IsInt() @Min(1) @Max(10000) runs!: number;

  @ApiProperty({ example: '10', description: 'Simulated stake per run (> 0), a decimal string' })
  @IsString({ message: 'stakePerRun must be a decimal string' })
  @Matches(AMOUNT_PATTERN, { message: 'stakePerRun must be a decimal string like "10"' })
  stakePerRun!: string;
}

export class RunDto {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode' }) currency!: AssetCode;
  @ApiProperty() won!: boolean;
  @ApiProperty({ example: '-7.31250000' }) pnl!: string;
}

export class SessionResultsDto {
  @ApiProperty() wins!: number;
  @ApiProperty() losses!: number;
  @ApiProperty({ example: '12.50000000' }) netPnl!: string;
  @ApiProperty() bestPnl!: string;
  @ApiProperty() worstPnl!: string;
}

/**
 * Named Automation* in the document: auth has a SessionDto too (the login answer), and with
 * two schemas of one name the document described /auth/login, /auth/refresh and
 * /auth/verify-email as answering an automation session.
 */
@ApiSchema({ name: 'AutomationSessionDto' })
export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: STRATEGY_NAMES }) strategy!: string;
  @ApiProperty({ enum: AssetCode, enumName: 'AssetCode', isArray: true }) currencies!: AssetCode[];
  @ApiProperty() stakePerRun!: string;
  @ApiProperty() totalRuns!: number;
  @ApiProperty() completedRuns!: number;
  @ApiProperty({ enum: AutomationSessionStatus, enumName: 'AutomationSessionStatus' }) status!: AutomationSessionStatus;
  @ApiProperty({ type: SessionResultsDto }) results!: SessionResultsDto;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
}

@ApiSchema({ name: 'AutomationSessionDetailDto' })
export class SessionDetailDto extends SessionDto {
  @ApiProperty({ type: [RunDto], description: 'The latest runs, newest first (at most 50)' }) latestRuns!: RunDto[];
}

@ApiSchema({ name: 'AutomationSessionListDto' })
export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) items!: SessionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

const EMPTY_RESULTS = { wins: 0, losses: 0, netPnl: '0', bestPnl: '0', worstPnl: '0' };
/** Sums are stored as numeric text: shown with 8 decimals, exactly. */
const eight = (v: string) => new Decimal(v).toFixed(8);

export function toSessionDto(s: AutomationSession): SessionDto {
  const r = { ...EMPTY_RESULTS, ...(s.results as Partial<SessionResultsDto>) };
  return {
    id: s.id,
    strategy: s.strategy,
    currencies: s.currencies,
    stakePerRun: s.stakePerRun.toString(),
    totalRuns: s.totalRuns,
    completedRuns: s.completedRuns,
    status: s.status,
    results: { wins: r.wins, losses: r.losses, netPnl: eight(r.netPnl), bestPnl: eight(r.bestPnl), worstPnl: eight(r.worstPnl) },
    startedAt: s.startedAt.toISOString(),
    completedAt: s.completedAt?.toISOString() ?? null,
  };
}

export function toRunDto(r: AutomationRun): RunDto {
  return { index: r.index, currency: r.currency, won: r.won, pnl: r.pnl.toFixed(8) };
}

import crypto from 'node:crypto';
import type { AssetCode } from '@prisma/client';
import { ExactDecimal, type Decimal } from '../assets/amounts';

/** Paper-trading strategies: the odds and payoff of one simulated run (no money moves). */
export const STRATEGIES = {
  MOMENTUM: { winProbability: 0.48, payoff: 1.8 },
  MEAN_REVERSION: { winProbability: 0.6, payoff: 0.8 },
  BREAKOUT: { winProbability: 0.35, payoff: 2.5 },
} as const;
export type Strategy = keyof typeof STRATEGIES;

export interface SimulatedRun {
  index: number;
  currency: AssetCode;
  won: boolean;
  /** Signed, 8 decimals, rounded toward zero. */
  pnl: Decimal;
}

/**
 * Run `index` of a session, as a pure function of (seed, index): HMAC-SHA256 keyed by the
 * seed gives the run its own random numbers, so a session stopped at any point and resumed
 * produces exactly the runs an uninterrupted one would.
 */
export function simulateRun(session: { seed: number; strategy: Strategy; currencies: AssetCode[]; stakePerRun: Decimal | string }, index: number): SimulatedRun {
  const bytes = crypto.createHmac('sha256', String(session.seed)).update(String(index)).digest();
  const uniform = (offset: number) => bytes.readUInt32BE(offset) / 2 ** 32;
  const { winProbability, payoff } = STRATEGIES[session.strategy];
  const won = uniform(0) < winProbability;
  const currency = session.currencies[Math.floor(uniform(4) * session.currencies.length)]!;
  // How far the market moved this run: 50 % to 150 % of the strategy's usual payoff or loss.
  const size = new ExactDecimal(0.5 + uniform(8)).toDecimalPlaces(6, ExactDecimal.ROUND_DOWN);
  const pnl = new ExactDecimal(session.stakePerRun)
    .mul(size)
    .mul(won ? payoff : -1)
    .toDecimalPlaces(8, ExactDecimal.ROUND_DOWN);
  return { index, currency, won, pnl };
}

import type { AssetCode } from '@prisma/client';
import { ASSETS } from '../assets/asset-registry';
import { ExactDecimal, type Decimal } from '../assets/amounts';

export interface EarningsSchedule {
  /** Earned on each of the first durationDays − 1 days. */
  dailyEarning: Decimal;
  /** Earned on the last day: the remainder, so the days add up to totalEarnings exactly. */
  lastDayEarning: Decimal;
  /** principal × rate% × durationDays / 30, rounded down to the asset's decimals. */
  totalEarnings: Decimal;
}

/**
 * The one rounding rule (quotes and the earnings job both use it; the database checks each
 * earning against it): the total is rounded down to the asset's decimals, each day but the
 * last earns total ÷ days rounded down, and the last day earns what is left. No amount is
 * ever rounded up, and what is paid equals what was quoted, to the smallest unit.
 */
export function earningsSchedule(asset: AssetCode, principal: Decimal | string, returnPercentPer30Days: Decimal | string, durationDays: number): EarningsSchedule {
  const decimals = ASSETS[asset].decimals;
  const total = new ExactDecimal(principal)
    .mul(returnPercentPer30Days)
    .mul(durationDays)
    .div(100 * 30)
    .toDecimalPlaces(decimals, ExactDecimal.ROUND_DOWN);
  const daily = total.div(durationDays).toDecimalPlaces(decimals, ExactDecimal.ROUND_DOWN);
  return { dailyEarning: daily, lastDayEarning: total.sub(daily.mul(durationDays - 1)), totalEarnings: total };
}

const DAY_MS = 86_400_000;

/** Day k (1..durationDays) accrues on the UTC date startedAt + k days; maturity is the last one. */
export function accrualDate(startedAt: Date, day: number): Date {
  const start = Date.UTC(startedAt.getUTCFullYear(), startedAt.getUTCMonth(), startedAt.getUTCDate());
  return new Date(start + day * DAY_MS);
}

import { Prisma } from '@prisma/client';
import { invalidField } from '../errors/error-body';
import { ASSETS } from './asset-registry';
import type { AssetCode } from '@prisma/client';

export type Decimal = Prisma.Decimal;
export const Decimal = Prisma.Decimal;
/**
 * For arithmetic on amounts: Decimal(36,18) values have up to 36 digits, more than
 * decimal.js's default 20 significant digits, so products and quotients would round.
 */
export const ExactDecimal = Prisma.Decimal.clone({ precision: 100 });

/** Amounts travel as decimal strings: digits, an optional fraction, no sign, no exponent. */
export const AMOUNT_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,18})?$/;

/**
 * Parses a positive amount of `asset` exactly (never a float): refuses more decimals than
 * the asset has, zero, and anything beyond Decimal(36,18). Errors name `field`.
 */
export function parseAmount(asset: AssetCode, value: string, field = 'amount'): Decimal {
  if (!AMOUNT_PATTERN.test(value)) throw invalidField(field, `${field} must be a decimal string like "0.5" (at most 18 integer digits)`);
  const decimals = ASSETS[asset].decimals;
  const fraction = value.split('.')[1] ?? '';
  if (fraction.replace(/0+$/, '').length > decimals) throw invalidField(field, `${field} has more than ${decimals} decimals, the precision of ${asset}`);
  const amount = new Decimal(value);
  if (amount.lte(0)) throw invalidField(field, `${field} must be greater than 0`);
  return amount;
}

/** The wire form: exactly the asset's decimals (stored amounts never have more). */
export function formatAmount(asset: AssetCode, amount: Decimal | string): string {
  return new Decimal(amount).toFixed(ASSETS[asset].decimals, Decimal.ROUND_DOWN);
}

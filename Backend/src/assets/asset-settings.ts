import type { AssetCode } from '@prisma/client';
import type { AppConfig } from '../config/config.schema';
import { ASSET_CODES, ASSETS, canonicalAddress, type AssetDefinition } from './asset-registry';

/** An asset as this deployment runs it: the fixed definition plus its configured settings. */
export interface AssetSettings extends AssetDefinition {
  enabled: boolean;
  /** Our receiving address (canonical form); null when not configured (production refuses that). */
  depositAddress: string | null;
  confirmations: number;
  minDeposit: string;
  minWithdrawal: string;
  tolerancePercent: string;
}

/** Every asset with its settings from the one config schema (development falls back to harmless addresses). */
export function assetSettings(config: AppConfig): Record<AssetCode, AssetSettings> {
  const entries = ASSET_CODES.map((code): [AssetCode, AssetSettings] => {
    const def = ASSETS[code];
    const configured = config[`DEPOSIT_ADDRESS_${code}`];
    const address = configured ?? (config.NODE_ENV === 'production' ? undefined : def.defaults.devAddress);
    return [
      code,
      {
        ...def,
        enabled: config.ASSETS_ENABLED.includes(code),
        depositAddress: address ? canonicalAddress(code, address) : null,
        confirmations: config[`DEPOSIT_CONFIRMATIONS_${code}`],
        minDeposit: config[`DEPOSIT_MIN_${code}`],
        minWithdrawal: config[`WITHDRAWAL_MIN_${code}`],
        tolerancePercent: config[`DEPOSIT_TOLERANCE_PERCENT_${code}`],
      },
    ];
  });
  return Object.fromEntries(entries) as Record<AssetCode, AssetSettings>;
}

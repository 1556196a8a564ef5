import { HttpStatus, Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { AssetCode } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { AppError, invalidField } from '../errors/error-body';
import { ASSET_CODES } from './asset-registry';
import { assetSettings, type AssetSettings } from './asset-settings';
import type { AssetDto } from './assets.dto';

function unknownAsset(field: string, value: unknown): AppError {
  return invalidField(field, `${field} must be one of ${ASSET_CODES.join(', ')}${typeof value === 'string' ? '' : ' (a string)'}`);
}

/** The assets this deployment supports, from the one config schema. */
@Injectable()
export class AssetsService {
  private readonly settings: Record<AssetCode, AssetSettings>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = assetSettings(config);
  }

  list(): AssetDto[] {
    return ASSET_CODES.filter((code) => this.settings[code].enabled).map((code) => {
      const s = this.settings[code];
      return {
        code,
        decimals: s.decimals,
        network: s.network,
        requiredConfirmations: s.confirmations,
        minDeposit: s.minDeposit,
        minWithdrawal: s.minWithdrawal,
      };
    });
  }

  /** Any known asset (history of a since-disabled asset stays readable). */
  get(code: AssetCode): AssetSettings {
    return this.settings[code];
  }

  /** An asset money may move in now; a 400 naming `field` otherwise. */
  enabled(code: AssetCode, field = 'asset'): AssetSettings {
    const settings = this.settings[code];
    if (!settings.enabled || !settings.depositAddress) {
      throw new AppError(HttpStatus.BAD_REQUEST, 'ASSET_DISABLED', `${code} is not enabled on this platform`, [{ field, message: `${code} is not enabled` }]);
    }
    return settings;
  }
}

/** `:asset` path parameter: one of the asset codes (case-insensitive), else a 400 naming it. */
export class AssetParamPipe implements PipeTransform<unknown, AssetCode> {
  transform(value: unknown): AssetCode {
    const code = typeof value === 'string' ? value.toUpperCase() : '';
    if (!(ASSET_CODES as string[]).includes(code)) throw unknownAsset('asset', value);
    return code as AssetCode;
  }
}

/**
 * The deposit assets and their default settings, as in Backend/src/assets/asset-registry.ts.
 * A copy because the cdk8s build cannot import that file (its rootDir is src/ and the
 * registry depends on the generated Prisma client); test/app-config.test.ts keeps the two
 * equal. Every per-asset value, ConfigMap entry and rule is generated from this list.
 */
export interface AssetInfo {
  /** Chain the asset is received on. */
  readonly network: string;
  readonly defaults: {
    readonly confirmations: number;
    readonly minDeposit: string;
    readonly minWithdrawal: string;
    readonly tolerancePercent: string;
    /** A syntactically valid address for examples and dev (burn/system addresses where the chain has one); never ours. */
    readonly devAddress: string;
  };
}

const EVM_DEV_ADDRESS = '0x000000000000000000000000000000000000dead';

export const ASSETS = {
  BTC: {
    network: 'bitcoin',
    defaults: { confirmations: 3, minDeposit: '0.0001', minWithdrawal: '0.0005', tolerancePercent: '1', devAddress: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' },
  },
  ETH: {
    network: 'ethereum',
    defaults: { confirmations: 12, minDeposit: '0.001', minWithdrawal: '0.005', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  USDT: {
    network: 'ethereum (ERC-20)',
    defaults: { confirmations: 12, minDeposit: '1', minWithdrawal: '10', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  SOL: {
    network: 'solana',
    defaults: { confirmations: 32, minDeposit: '0.01', minWithdrawal: '0.05', tolerancePercent: '1', devAddress: '11111111111111111111111111111111' },
  },
  BNB: {
    network: 'bnb-smart-chain',
    defaults: { confirmations: 12, minDeposit: '0.005', minWithdrawal: '0.01', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  TRX: {
    network: 'tron',
    defaults: { confirmations: 20, minDeposit: '10', minWithdrawal: '20', tolerancePercent: '1', devAddress: 'T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb' },
  },
} as const satisfies Record<string, AssetInfo>;

export type AssetCode = keyof typeof ASSETS;

export const ASSET_CODES = Object.keys(ASSETS) as AssetCode[];

/** One entry per asset, in registry order: `perAsset((code, a) => ...)`. */
export function perAsset<T>(make: (code: AssetCode, asset: AssetInfo) => T): Record<AssetCode, T> {
  return Object.fromEntries(ASSET_CODES.map((code) => [code, make(code, ASSETS[code])])) as Record<AssetCode, T>;
}

import type { AssetCode } from '@prisma/client';

/**
 * What is fixed about each asset (its chain's formats and precision). Operational
 * settings (our addresses, confirmations, minimums, tolerance) come from configuration
 * (config.schema.ts, DEPOSIT_ADDRESS_<ASSET> ...) with the defaults below.
 *
 * Hash formats are mirrored by the database function "kv_tx_hash_is_canonical" (see the
 * money migration): the database refuses any other spelling, so one chain transaction
 * can never be stored twice under two spellings.
 */
export interface AssetDefinition {
  code: AssetCode;
  /** Smallest unit is 10^-decimals; amounts with more decimals are refused. */
  decimals: number;
  /** Chain the asset is received on (USDT: ERC-20 on Ethereum). */
  network: string;
  /** 'hex64': 64 lowercase hex, no prefix; '0xhex64': 0x + 64 lowercase hex; 'base58sig': a base58 signature. */
  txHashFormat: 'hex64' | '0xhex64' | 'base58sig';
  addressFormat: 'btc' | 'evm' | 'sol' | 'tron';
  defaults: { confirmations: number; minDeposit: string; minWithdrawal: string; tolerancePercent: string; devAddress: string };
}

const EVM_DEV_ADDRESS = '0x000000000000000000000000000000000000dead';

export const ASSETS: Readonly<Record<AssetCode, AssetDefinition>> = {
  BTC: {
    code: 'BTC',
    decimals: 8,
    network: 'bitcoin',
    txHashFormat: 'hex64',
    addressFormat: 'btc',
    defaults: { confirmations: 3, minDeposit: '0.0001', minWithdrawal: '0.0005', tolerancePercent: '1', devAddress: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' },
  },
  ETH: {
    code: 'ETH',
    decimals: 18,
    network: 'ethereum',
    txHashFormat: '0xhex64',
    addressFormat: 'evm',
    defaults: { confirmations: 12, minDeposit: '0.001', minWithdrawal: '0.005', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  USDT: {
    code: 'USDT',
    decimals: 6,
    network: 'ethereum (ERC-20)',
    txHashFormat: '0xhex64',
    addressFormat: 'evm',
    defaults: { confirmations: 12, minDeposit: '1', minWithdrawal: '10', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  SOL: {
    code: 'SOL',
    decimals: 9,
    network: 'solana',
    txHashFormat: 'base58sig',
    addressFormat: 'sol',
    defaults: { confirmations: 32, minDeposit: '0.01', minWithdrawal: '0.05', tolerancePercent: '1', devAddress: '11111111111111111111111111111111' },
  },
  BNB: {
    code: 'BNB',
    decimals: 18,
    network: 'bnb-smart-chain',
    txHashFormat: '0xhex64',
    addressFormat: 'evm',
    defaults: { confirmations: 12, minDeposit: '0.005', minWithdrawal: '0.01', tolerancePercent: '1', devAddress: EVM_DEV_ADDRESS },
  },
  TRX: {
    code: 'TRX',
    decimals: 6,
    network: 'tron',
    txHashFormat: 'hex64',
    addressFormat: 'tron',
    defaults: { confirmations: 20, minDeposit: '10', minWithdrawal: '20', tolerancePercent: '1', devAddress: 'T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb' },
  },
};

export const ASSET_CODES = Object.keys(ASSETS) as AssetCode[];

const BASE58 = '[1-9A-HJ-NP-Za-km-z]';

const ADDRESS_PATTERNS: Record<AssetDefinition['addressFormat'], RegExp> = {
  // bech32 (segwit v0/v1, lowercase) or base58 legacy/P2SH.
  btc: new RegExp(`^(bc1[02-9ac-hj-np-z]{11,71}|[13]${BASE58}{25,34})$`),
  evm: /^0x[0-9a-f]{40}$/,
  sol: new RegExp(`^${BASE58}{32,44}$`),
  tron: new RegExp(`^T${BASE58}{33}$`),
};

/**
 * The one spelling of an address we store and compare: trimmed; EVM addresses lower-cased
 * (the mixed-case EIP-55 form is a checksum of the same address). Returns null when the
 * value is not an address of the asset's chain.
 */
export function canonicalAddress(asset: AssetCode, value: string): string | null {
  const def = ASSETS[asset];
  let v = value.trim();
  if (def.addressFormat === 'evm') v = v.toLowerCase();
  if (def.addressFormat === 'btc' && /^bc1/i.test(v)) v = v.toLowerCase();
  return ADDRESS_PATTERNS[def.addressFormat].test(v) ? v : null;
}

const TX_HASH_PATTERNS: Record<AssetDefinition['txHashFormat'], RegExp> = {
  hex64: /^[0-9a-f]{64}$/,
  '0xhex64': /^0x[0-9a-f]{64}$/,
  base58sig: new RegExp(`^${BASE58}{64,88}$`),
};

/**
 * The one spelling of a transaction hash per asset (see the table above); null when the
 * value is not a hash of the asset's chain. Hex hashes are case-insensitive on chain and
 * accepted with or without 0x; base58 is case-sensitive and only trimmed.
 */
export function canonicalTxHash(asset: AssetCode, value: string): string | null {
  const format = ASSETS[asset].txHashFormat;
  let v = value.trim();
  if (format !== 'base58sig') {
    v = v.toLowerCase().replace(/^0x/, '');
    if (format === '0xhex64') v = `0x${v}`;
  }
  return TX_HASH_PATTERNS[format].test(v) ? v : null;
}

/** True when the value is already in canonical form (what the database accepts). */
export function isCanonicalTxHash(asset: AssetCode, value: string): boolean {
  return TX_HASH_PATTERNS[ASSETS[asset].txHashFormat].test(value);
}

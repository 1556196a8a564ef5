import { sha256 } from '@noble/hashes/sha256';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';
import type { AssetCode } from '@prisma/client';
import { base58, bech32, bech32m, createBase58check } from '@scure/base';

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

const base58check = createBase58check(sha256);
const attempt = <T>(decode: () => T): T | undefined => {
  try {
    return decode();
  } catch {
    return undefined;
  }
};

/** EIP-55: in a mixed-case address, each letter's case is a bit of keccak256(lowercase hex). */
function eip55(lowerHex: string): string {
  const hash = bytesToHex(keccak_256(lowerHex));
  return [...lowerHex].map((c, i) => (parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c)).join('');
}

/**
 * Each address format with the checksum its chain defines, so a mistyped address (a payout
 * destination above all) is refused instead of sent money: the value is already trimmed and
 * in canonical case here, `original` is what was typed (EIP-55 lives in the case).
 */
const ADDRESS_CHECKS: Record<AssetDefinition['addressFormat'], (v: string, original: string) => boolean> = {
  btc: (v) => {
    if (v.startsWith('bc1')) {
      const bech = v as `${string}1${string}`;
      const asBech32 = attempt(() => bech32.decode(bech, 90));
      const decoded = asBech32 ?? attempt(() => bech32m.decode(bech, 90));
      if (!decoded || decoded.prefix !== 'bc' || decoded.words.length === 0) return false;
      const [version, ...words] = decoded.words as [number, ...number[]];
      // segwit v0 uses bech32, v1+ bech32m (BIP-173, BIP-350)
      if ((version === 0) !== (decoded === asBech32)) return false;
      const program = attempt(() => bech32.fromWords(words));
      if (!program || version > 16) return false;
      return version === 0 ? program.length === 20 || program.length === 32 : program.length >= 2 && program.length <= 40;
    }
    // legacy base58check: version 0x00 (P2PKH) or 0x05 (P2SH) and a 20-byte hash
    const payload = attempt(() => base58check.decode(v));
    return payload?.length === 21 && (payload[0] === 0x00 || payload[0] === 0x05);
  },
  evm: (v, original) => {
    const hex = original.slice(2);
    const mixed = /[a-f]/.test(hex) && /[A-F]/.test(hex);
    return !mixed || eip55(v.slice(2)) === hex;
  },
  // an ed25519 public key: 32 bytes (base58 has no checksum)
  sol: (v) => attempt(() => base58.decode(v))?.length === 32,
  // base58check with Tron's 0x41 prefix and a 20-byte hash
  tron: (v) => {
    const payload = attempt(() => base58check.decode(v));
    return payload?.length === 21 && payload[0] === 0x41;
  },
};

const ADDRESS_PATTERNS: Record<AssetDefinition['addressFormat'], RegExp> = {
  // bech32 (segwit v0/v1, lowercase) or base58 legacy/P2SH.
  btc: new RegExp(`^(bc1[02-9ac-hj-np-z]{11,71}|[13]${BASE58}{25,34})$`),
  evm: /^0x[0-9a-f]{40}$/,
  sol: new RegExp(`^${BASE58}{32,44}$`),
  tron: new RegExp(`^T${BASE58}{33}$`),
};

/**
 * The one spelling of an address we store and compare: trimmed; EVM addresses lower-cased
 * (the mixed-case EIP-55 form is a checksum of the same address, and must be right when
 * given). Returns null when the value is not an address of the asset's chain, including
 * when its checksum is wrong.
 */
export function canonicalAddress(asset: AssetCode, value: string): string | null {
  const def = ASSETS[asset];
  const original = value.trim();
  let v = original;
  if (def.addressFormat === 'evm') v = v.toLowerCase();
  if (def.addressFormat === 'btc' && /^bc1/i.test(v)) v = v.toLowerCase();
  return ADDRESS_PATTERNS[def.addressFormat].test(v) && ADDRESS_CHECKS[def.addressFormat](v, original) ? v : null;
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

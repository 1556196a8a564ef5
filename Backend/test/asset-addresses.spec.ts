import { canonicalAddress } from '../src/assets/asset-registry';

/**
 * Addresses are checked with their chain's checksum (EIP-55 case, bech32/bech32m, base58check),
 * so a mistyped payout destination is refused rather than paid: one changed character
 * below turns each valid address into a refused one.
 */
describe('canonicalAddress', () => {
  const valid: [string, string, string][] = [
    ['ETH', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'], // EIP-55 spelling
    ['USDT', '0x52908400098527886E0F7030069857D2E4169EE7', '0x52908400098527886e0f7030069857d2e4169ee7'], // all upper case: no checksum to check
    ['BNB', ' 0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359 ', '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359'],
    ['BTC', 'BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'], // segwit v0, bech32
    ['BTC', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'], // taproot, bech32m
    ['BTC', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'], // P2PKH
    ['BTC', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'], // P2SH
    ['TRX', 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7', 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7'],
    ['SOL', '11111111111111111111111111111111', '11111111111111111111111111111111'],
    ['SOL', 'So11111111111111111111111111111111111111112', 'So11111111111111111111111111111111111111112'],
  ];

  it.each(valid)('%s %s is %s', (asset, value, canonical) => {
    expect(canonicalAddress(asset as never, value)).toBe(canonical);
  });

  const mistyped: [string, string, string][] = [
    ['ETH', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', 'one letter in the wrong case (EIP-55)'],
    ['ETH', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe', 'a character missing'],
    ['BTC', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp', 'bech32 checksum'],
    ['BTC', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3298', 'bech32m checksum'],
    ['BTC', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusn5pxqu', 'a taproot program with a bech32 checksum instead of bech32m'],
    ['BTC', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'a testnet address'],
    ['BTC', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'base58check checksum'],
    ['TRX', 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8', 'base58check checksum'],
    ['SOL', '1111111111111111111111111111111', 'not 32 bytes'],
  ];

  it.each(mistyped)('%s %s is refused (%s)', (asset, value) => {
    expect(canonicalAddress(asset as never, value)).toBeNull();
  });
});

export default async function globalTeardown() {
  await globalThis.__KV_TEST_DB_STOP__?.();
}

/**
 * The chart and the application share one contract: the app's config schema
 * (Backend/src/config/config.schema.ts). Every variable the app reads must be settable
 * by the chart, what the chart renders must start the app, and what the app refuses to
 * start with the chart refuses to install.
 */
import { ASSET_CODES as APP_ASSET_CODES, ASSETS as APP_ASSETS } from '../../Backend/src/assets/asset-registry';
import { ConfigError, ENV_SCHEMA, loadConfig } from '../../Backend/src/config/config.schema';
import { ASSETS } from '../src/config/assets';
import { ConfigValidationError, validateConfig } from '../src/config/rules';
import { defaultConfig, KryptoVaultConfig } from '../src/config/values';
import { devVariant, productionExampleSettings, productionVariant, withOverrides } from '../src/config/variants';
import { appConfigData, appSecretEnv } from '../src/kryptovault-chart';

/** Set per pod by the constructs (downward API, per-component values). */
const POD_ENV = ['RUN_SCHEDULED_JOBS', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'];

/** Values the Secret would hold, for the variables whose key the chart references. */
const SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgresql://kv:pw@db:5432/kv',
  JWT_SECRET: 'Zq8vN3xK5mW1pR7tY2uB9cE4hJ6dL0aS',
  BLOCKCHAIN_VERIFIER_SECRET: 'verifier-shared-value-for-the-test',
};

/** The environment a pod of this config gets (ConfigMap, Secret, pod spec). */
function podEnv(config: KryptoVaultConfig): Record<string, string> {
  const secrets = appSecretEnv(config).filter((s) => s.key !== '' && s.name in SECRET_VALUES);
  return { ...appConfigData(config), ...Object.fromEntries(secrets.map((s) => [s.name, SECRET_VALUES[s.name]])), RUN_SCHEDULED_JOBS: 'false' };
}

const installable = () => withOverrides(defaultConfig(), productionExampleSettings());

describe('chart configuration vs the application config schema', () => {
  const appVariables = Object.keys(ENV_SCHEMA.shape).sort();
  const configMap = appConfigData(defaultConfig());
  const secrets = appSecretEnv(defaultConfig()).map((s) => s.name);

  it('every variable the app reads comes from the ConfigMap, the Secret or the pod spec', () => {
    const provided = new Set([...Object.keys(configMap), ...secrets, ...POD_ENV]);
    expect(appVariables.filter((name) => !provided.has(name))).toEqual([]);
  });

  it('the chart renders no variable the app does not know', () => {
    expect([...Object.keys(configMap), ...secrets].filter((name) => !appVariables.includes(name))).toEqual([]);
  });

  it('the chart\'s asset list and defaults are the app registry\'s', () => {
    expect(Object.entries(ASSETS)).toEqual(APP_ASSET_CODES.map((code) => [code, { network: APP_ASSETS[code].network, defaults: APP_ASSETS[code].defaults }]));
  });

  it.each([
    ['default (plus the production settings)', installable()],
    ['production', productionVariant().config],
    ['dev', devVariant().config],
  ])('the %s ConfigMap plus the required secrets is a valid app configuration', (_name, config) => {
    expect(() => loadConfig(podEnv(config))).not.toThrow();
  });

  it.each([
    ['the defaults', defaultConfig()],
    ['no verifier URL', withOverrides(installable(), { env: { BLOCKCHAIN_VERIFIER_URL: '' } })],
    ['no verifier secret key', withOverrides(installable(), { secrets: { keys: { BLOCKCHAIN_VERIFIER_SECRET: '' } } })],
    ['no SOL address', withOverrides(installable(), { assets: { SOL: { address: '' } } })],
    ['SOL disabled without an address', withOverrides(installable(), { assets: { SOL: { enabled: false, address: '' } } })],
    ['development without addresses', withOverrides(defaultConfig(), { env: { NODE_ENV: 'development' } })],
    ['an http reset page', withOverrides(installable(), { env: { PASSWORD_RESET_URL: 'http://app.kryptovault.example/reset' } })],
    ['a localhost reset page', withOverrides(installable(), { env: { PASSWORD_RESET_URL: 'https://127.0.0.1:8443/reset' } })],
    ['SMTP without TLS', withOverrides(installable(), { env: { SMTP_REQUIRE_TLS: false } })],
    ['SMTP with implicit TLS only', withOverrides(installable(), { env: { SMTP_REQUIRE_TLS: false, SMTP_SECURE: true, SMTP_PORT: 465 } })],
    ['access tokens of 2h', withOverrides(installable(), { env: { JWT_EXPIRES_IN: '2h' } })],
    ['access tokens of 3600s', withOverrides(installable(), { env: { JWT_EXPIRES_IN: '3600s' } })],
  ])('production requirements, %s: the chart refuses what the app refuses, naming the same variables', (_name, config) => {
    const problemsOf = (check: () => unknown): string[] => {
      try {
        check();
        return [];
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ConfigValidationError) return e.problems;
        throw e;
      }
    };
    const appVariablesRefused = problemsOf(() => loadConfig(podEnv(config))).map((p) => p.split(':')[0]);
    const chartProblems = problemsOf(() => validateConfig(config)).join('\n');
    expect(chartProblems === '').toBe(appVariablesRefused.length === 0);
    for (const variable of appVariablesRefused) expect(chartProblems).toContain(variable);
  });
});

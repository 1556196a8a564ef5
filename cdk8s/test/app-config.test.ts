/**
 * The chart and the application share one contract: the app's config schema
 * (Backend/src/config/config.schema.ts). Every variable the app reads must be settable
 * by the chart, and what the chart renders must start the app.
 */
import { ENV_SCHEMA, loadConfig } from '../../Backend/src/config/config.schema';
import { defaultConfig } from '../src/config/values';
import { devVariant, productionVariant } from '../src/config/variants';
import { appConfigData, appSecretEnv } from '../src/kryptovault-chart';

/** Set per pod by the constructs (downward API, per-component values). */
const POD_ENV = ['RUN_SCHEDULED_JOBS', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'];

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

  it.each([
    ['default', defaultConfig()],
    ['production', productionVariant().config],
    ['dev', devVariant().config],
  ])('the %s ConfigMap plus the required secrets is a valid app configuration', (_name, config) => {
    const env = {
      ...appConfigData(config),
      DATABASE_URL: 'postgresql://kv:pw@db:5432/kv',
      JWT_SECRET: 'Zq8vN3xK5mW1pR7tY2uB9cE4hJ6dL0aS',
      BLOCKCHAIN_VERIFIER_SECRET: 'verifier-shared-value-for-the-test',
      RUN_SCHEDULED_JOBS: 'false',
    };
    expect(() => loadConfig(env)).not.toThrow();
  });
});

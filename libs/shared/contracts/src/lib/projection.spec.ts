import { isSandboxEnvironment, KEY_ENVIRONMENT_PREFIXES, KEY_ENVIRONMENTS, parseProjectionRecord } from './projection';

describe('key environments', () => {
  it('names four environments, each with its own secret prefix', () => {
    expect(KEY_ENVIRONMENTS).toEqual(['live', 'test', 'staging', 'development']);
    expect(KEY_ENVIRONMENTS.map((environment) => KEY_ENVIRONMENT_PREFIXES[environment])).toEqual(['live', 'test', 'staging', 'dev']);
  });

  it('keeps test and development in the sandbox; live and staging reach real models and spend money', () => {
    expect(KEY_ENVIRONMENTS.filter(isSandboxEnvironment)).toEqual(['test', 'development']);
  });
});

describe('parseProjectionRecord', () => {
  it('reads a record written before the origin fields existed as it was', () => {
    const record = parseProjectionRecord<{ v: number; allowed_origins?: string[] | null }>('{"v":1,"id":"k"}');
    expect(record).toEqual({ v: 1, id: 'k' });
    expect(record?.allowed_origins).toBeUndefined();
  });
});

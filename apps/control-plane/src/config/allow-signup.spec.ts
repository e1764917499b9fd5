import { randomBytes } from 'node:crypto';
import { loadControlPlaneConfig } from './control-plane.config';

/** Secrets of this run only, so that production mode starts. */
const PRODUCTION_SECRETS = { JWT_SECRET: randomBytes(32).toString('hex'), SECRETS_KEY: randomBytes(32).toString('hex') };

describe('ALLOW_SIGNUP', () => {
  it('is off by default under NODE_ENV=production', () => {
    expect(loadControlPlaneConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS }).allowSignup).toBe(false);
  });

  it.each(['development', 'test'])('is on by default under NODE_ENV=%s', (nodeEnv) => {
    expect(loadControlPlaneConfig({ NODE_ENV: nodeEnv }).allowSignup).toBe(true);
  });

  it('follows an explicit setting in every mode', () => {
    expect(loadControlPlaneConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, ALLOW_SIGNUP: 'true' }).allowSignup).toBe(true);
    expect(loadControlPlaneConfig({ NODE_ENV: 'development', ALLOW_SIGNUP: 'false' }).allowSignup).toBe(false);
  });

  it('refuses a value that is not a boolean', () => {
    expect(() => loadControlPlaneConfig({ ALLOW_SIGNUP: 'maybe' })).toThrow(/ALLOW_SIGNUP must be true or false/);
  });
});

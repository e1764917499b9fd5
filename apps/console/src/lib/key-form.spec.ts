import { EMPTY_KEY_FORM, keyRequest, listOf } from './key-form';

describe('key form', () => {
  it('sends only what was filled in', () => {
    expect(keyRequest({ ...EMPTY_KEY_FORM, name: '  ci  ' })).toEqual({ body: { name: 'ci', environment: 'test', scopes: ['inference'] }, errors: {} });
  });

  it('turns lists, limits and the expiry day into the API fields', () => {
    const { body, errors } = keyRequest({
      ...EMPTY_KEY_FORM,
      name: 'prod',
      environment: 'live',
      scopes: ['read', 'inference'],
      models: 'gpt-4o, claude-*\n',
      ips: '10.0.0.0/8,\n 192.0.2.1',
      rpm: '60',
      budgetUsd: '12.5',
      budgetPeriod: 'month',
      expiresAt: '2027-01-31',
    });
    expect(errors).toEqual({});
    expect(body).toEqual({
      name: 'prod',
      environment: 'live',
      scopes: ['read', 'inference'],
      allowed_models: ['gpt-4o', 'claude-*'],
      allowed_ips: ['10.0.0.0/8', '192.0.2.1'],
      limits: { rpm: 60, budget_usd: 12.5, budget_period: 'month' },
      expires_at: '2027-01-31T23:59:59.000Z',
    });
  });

  it('names the field of a number that is not one, with the API field name', () => {
    expect(keyRequest({ ...EMPTY_KEY_FORM, name: 'x', rpm: 'sixty' }).errors).toEqual({ 'limits.rpm': 'must be a number' });
  });

  it('splits lists on commas and lines', () => {
    expect(listOf(' a ,, b\nc ')).toEqual(['a', 'b', 'c']);
  });
});

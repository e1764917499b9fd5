import type { PlanRow } from '@sluice/control-plane/data-access';
import { productCeilingProblems, withProductDefaults } from './product-limits';

const plan = (limits: PlanRow['limits']): PlanRow =>
  ({ id: 'p', name: 'P', billing_mode: 'postpaid', price_monthly_cents: 0, period_days: 30, limits, allowed_models: null, entitlements: {}, active: true, extras: {}, created_at: new Date(), updated_at: new Date() }) as PlanRow;

describe("a product's per-key limits", () => {
  it('fill in rpm and budget_usd a key leaves out, and keep what it sets', () => {
    const premium = plan({ rpm_per_key: 500, max_budget_per_key: 100 });
    expect(withProductDefaults(undefined, premium)).toEqual({ rpm: 500, budget_usd: 100 });
    expect(withProductDefaults({ rpm: 20, tpm: 1000 }, premium)).toEqual({ rpm: 20, tpm: 1000, budget_usd: 100 });
    expect(withProductDefaults({ rpm: 20 }, plan({}))).toEqual({ rpm: 20 });
    expect(withProductDefaults(undefined, null)).toEqual({});
  });

  it('are ceilings: above them (or "no limit") is a problem named by field', () => {
    const premium = plan({ rpm_per_key: 500, max_budget_per_key: 100 });
    expect(productCeilingProblems({ rpm: 500, budget_usd: 100 }, premium)).toEqual({});
    expect(productCeilingProblems({ rpm: 501, budget_usd: 100.5 }, premium)).toEqual({
      'limits.rpm': ["must not exceed the plan's rpm_per_key of 500"],
      'limits.budget_usd': ["must not exceed the plan's max_budget_per_key of 100"],
    });
    expect(Object.keys(productCeilingProblems({ rpm: null } as unknown as { rpm: number }, premium))).toEqual(['limits.rpm']);
    expect(productCeilingProblems({ rpm: 10_000 }, plan({}))).toEqual({});
  });
});

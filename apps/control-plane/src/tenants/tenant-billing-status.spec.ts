import { billingStatus, PAYMENT_OVERDUE } from './tenant-billing-status';

describe('billingStatus', () => {
  it('is suspended only for a suspension for non-payment, past_due while a payment is overdue, else active', () => {
    expect(billingStatus({ status: 'active', suspension_reason: '', billing_status: 'current' })).toBe('active');
    expect(billingStatus({ status: 'active', suspension_reason: '', billing_status: 'past_due' })).toBe('past_due');
    expect(billingStatus({ status: 'suspended', suspension_reason: PAYMENT_OVERDUE, billing_status: 'past_due' })).toBe('suspended');
    expect(billingStatus({ status: 'suspended', suspension_reason: 'abuse', billing_status: 'current' })).toBe('active');
    expect(billingStatus({ status: 'suspended', suspension_reason: 'abuse', billing_status: 'past_due' })).toBe('past_due');
  });
});

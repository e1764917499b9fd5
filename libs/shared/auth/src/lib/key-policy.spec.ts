import type { ApiKeyRecordV1, TenantRecordV1 } from '@sluice/contracts';
import { apiKeyRefusal, type KeyPolicyInput } from './key-policy';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const key: NonNullable<KeyPolicyInput['key']> = { status: 'active', expires_at: null, scopes: ['read', 'write'], allowed_ips: null };
const tenant: Pick<TenantRecordV1, 'slug' | 'status' | 'status_reason'> = { slug: 'acme', status: 'active', status_reason: null };

function refusal(overrides: { key?: Partial<ApiKeyRecordV1> | null; tenant?: Partial<TenantRecordV1> | null; scope?: KeyPolicyInput['scope']; clientIp?: string }) {
  return apiKeyRefusal({
    key: overrides.key === null ? null : { ...key, ...overrides.key },
    tenant: overrides.tenant === null ? null : { ...tenant, ...overrides.tenant },
    scope: overrides.scope ?? 'inference',
    clientIp: overrides.clientIp ?? '203.0.113.7',
    now: NOW,
  })?.code;
}

describe('apiKeyRefusal', () => {
  it('admits a live key of an active tenant whose scopes imply the one needed', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ scope: 'read' })).toBeUndefined();
  });

  it.each<[string, Parameters<typeof refusal>[0], string]>([
    ['unknown', { key: null }, 'invalid_api_key'],
    ['revoked', { key: { status: 'revoked' } }, 'invalid_api_key'],
    ['tenant gone', { tenant: null }, 'invalid_api_key'],
    ['expired', { key: { expires_at: '2025-12-31T23:59:59Z' } }, 'key_expired'],
    ['scope missing', { key: { scopes: ['inference'] }, scope: 'read' }, 'forbidden'],
    ['tenant suspended', { tenant: { status: 'suspended', status_reason: 'Payment overdue' } }, 'tenant_suspended'],
    ['tenant deleted', { tenant: { status: 'deleted' } }, 'tenant_suspended'],
    ['tenant pending', { tenant: { status: 'pending' } }, 'tenant_suspended'],
    ['address outside the allow-list', { key: { allowed_ips: ['10.0.0.0/8'] } }, 'ip_not_allowed'],
  ])('refuses: %s → %s', (_case, overrides, code) => expect(refusal(overrides)).toBe(code));

  it('checks in a fixed order: revoked before expired before scope before tenant before address', () => {
    expect(refusal({ key: { status: 'revoked', expires_at: '2025-01-01T00:00:00Z' } })).toBe('invalid_api_key');
    expect(refusal({ key: { expires_at: '2025-01-01T00:00:00Z', scopes: ['read'] } })).toBe('key_expired');
    expect(refusal({ key: { scopes: ['read'] }, tenant: { status: 'suspended' } })).toBe('forbidden');
    expect(refusal({ key: { allowed_ips: ['10.0.0.0/8'] }, tenant: { status: 'suspended' } })).toBe('tenant_suspended');
  });

  it('checks the origin only when the caller passes it, after every other check', () => {
    const restricted = { allowed_origins: ['*.example.com'] };
    const origin = (value: Parameters<typeof apiKeyRefusal>[0]['origin'], overrides: Partial<ApiKeyRecordV1> = restricted) =>
      apiKeyRefusal({ key: { ...key, ...overrides }, tenant, scope: 'inference', clientIp: '203.0.113.7', origin: value, now: NOW })?.code;
    expect(origin({ origin: 'https://app.example.com' })).toBeUndefined();
    expect(origin({ referer: 'https://app.example.com/page' })).toBeUndefined();
    expect(origin({ origin: 'https://evil.test' })).toBe('origin_not_allowed');
    expect(origin({ origin: 'https://evil.test', referer: 'https://app.example.com/' })).toBe('origin_not_allowed');
    expect(origin({ origin: 'null' })).toBe('origin_not_allowed');
    expect(origin(undefined)).toBeUndefined();
    expect(origin({})).toBeUndefined();
    expect(origin({}, { ...restricted, allow_no_origin: false })).toBe('origin_not_allowed');
    expect(origin({}, { allow_no_origin: false })).toBe('origin_not_allowed');
    expect(origin({ origin: 'https://anything.test' }, { allow_no_origin: false })).toBeUndefined();
    expect(origin({ origin: 'https://evil.test' }, { ...restricted, allowed_ips: ['10.0.0.0/8'] })).toBe('ip_not_allowed');
  });

  it("names the tenant's status and reason", () => {
    const answer = apiKeyRefusal({ key, tenant: { slug: 'acme', status: 'suspended', status_reason: 'Payment overdue' }, scope: 'read', clientIp: '::1', now: NOW });
    expect(answer?.message).toBe('Tenant acme is suspended: Payment overdue');
  });
});

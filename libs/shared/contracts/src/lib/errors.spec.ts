import { ERROR_CATALOG, errorBody, errorCodeForStatus, isErrorCode } from './errors';

describe('error contract', () => {
  it('builds the error shape with the catalogued type', () => {
    expect(errorBody('tenant_suspended', 'Tenant acme-corp is suspended: Payment overdue')).toEqual({
      error: {
        code: 'tenant_suspended',
        message: 'Tenant acme-corp is suspended: Payment overdue',
        type: 'permission_error',
        param: null,
        details: {},
      },
    });
  });

  it('gives gateway codes their published statuses', () => {
    expect(ERROR_CATALOG.insufficient_credits.status).toBe(402);
    expect(ERROR_CATALOG.invalid_api_key.status).toBe(401);
    expect(ERROR_CATALOG.provider_timeout.status).toBe(504);
    expect(ERROR_CATALOG.service_unavailable.status).toBe(503);
  });

  it('maps every catalogued status back to a code of that status', () => {
    for (const { status } of Object.values(ERROR_CATALOG)) {
      expect(ERROR_CATALOG[errorCodeForStatus(status)].status).toBe(status);
    }
  });

  it('recognises codes and rejects inherited or unknown names', () => {
    expect(isErrorCode('not_found')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

import { pageOfPath, pathOf } from './router';
import { readCookie } from './cookies';

describe('console paths', () => {
  it('maps paths under /console/ to pages, anything else to the overview', () => {
    expect([pageOfPath('/console/'), pageOfPath('/console/keys'), pageOfPath('/console/audit/extra'), pageOfPath('/console/nope'), pageOfPath('/elsewhere')]).toEqual([
      'overview',
      'keys',
      'audit',
      'overview',
      'overview',
    ]);
    expect([pathOf('overview'), pathOf('tenants')]).toEqual(['/console/', '/console/tenants']);
  });

  it('reads a cookie among others', () => {
    expect(readCookie('csrf_token', 'a=1; csrf_token=abc%3D; b=2')).toBe('abc=');
    expect(readCookie('csrf_token', 'a=1')).toBeNull();
  });
});

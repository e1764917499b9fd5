import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from '@sluice/platform';
import { apiKeyRecord, tenantRecord } from '@sluice/testing';
import type { Authenticator } from './authenticator';
import type { Caller } from './caller';
import { callerOf } from './current-caller.decorator';
import { GatewayAuthException } from './gateway-auth.exception';
import { AuthenticatesItself, GatewayAuthenticationGuard, type AuthenticatedRequest } from './gateway-authentication.guard';

@Controller('new')
class NewController {
  @Get()
  unmarked(): string {
    return 'unmarked';
  }

  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }

  @AuthenticatesItself()
  @Get('own')
  own(): string {
    return 'own';
  }
}

function contextFor(handler: keyof NewController, request: Partial<AuthenticatedRequest>): ExecutionContext {
  return {
    getHandler: () => NewController.prototype[handler],
    getClass: () => NewController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe('GatewayAuthenticationGuard', () => {
  const tenant = tenantRecord();
  const caller: Caller = { tenant, apiKey: apiKeyRecord(tenant.id) };
  const authenticate = jest.fn<Promise<Caller>, Parameters<Authenticator['authenticate']>>();
  const guard = new GatewayAuthenticationGuard(new Reflector(), { authenticate } as unknown as Authenticator);
  beforeEach(() => authenticate.mockReset());

  it('authenticates a route that says nothing: a new route is closed by default', async () => {
    authenticate.mockRejectedValue(new GatewayAuthException('invalid_api_key', 'Missing API key'));
    await expect(guard.canActivate(contextFor('unmarked', { headers: {}, ip: '10.0.0.1' }))).rejects.toThrow(GatewayAuthException);
    authenticate.mockResolvedValue(caller);
    const request: Partial<AuthenticatedRequest> = { headers: { authorization: 'Bearer slk_x' }, ip: '10.0.0.1' };
    await expect(guard.canActivate(contextFor('unmarked', request))).resolves.toBe(true);
    expect(authenticate).toHaveBeenLastCalledWith(request.headers, '10.0.0.1');
    expect(request.caller).toBe(caller);
  });

  it('lets @Public() and @AuthenticatesItself() routes through without a key', async () => {
    await expect(guard.canActivate(contextFor('open', { headers: {} }))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor('own', { headers: {} }))).resolves.toBe(true);
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('hands handlers the caller, and refuses when there is none', () => {
    expect(callerOf(contextFor('unmarked', { caller }))).toBe(caller);
    expect(() => callerOf(contextFor('open', {}))).toThrow(GatewayAuthException);
  });
});

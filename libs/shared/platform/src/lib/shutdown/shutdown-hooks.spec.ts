import { Logger } from '@nestjs/common';
import { ShutdownHooks } from './shutdown-hooks';

describe('ShutdownHooks', () => {
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  afterAll(() => jest.restoreAllMocks());

  it('runs every step once, in registration order, even after one fails', async () => {
    const hooks = new ShutdownHooks();
    const ran: string[] = [];
    hooks.register('first', async () => {
      ran.push('first');
    });
    hooks.register('failing', () => {
      ran.push('failing');
      throw new Error('flush failed');
    });
    hooks.register('last', () => {
      ran.push('last');
    });
    await Promise.all([hooks.run(), hooks.run()]);
    await hooks.run();
    expect(ran).toEqual(['first', 'failing', 'last']);
    expect(errors).toHaveBeenCalledWith('Drain step failed: failing (flush failed)');
  });

  it('refuses a step registered once the drain has begun (it would never run)', async () => {
    const hooks = new ShutdownHooks();
    await hooks.run();
    expect(() => hooks.register('late', () => undefined)).toThrow('Drain step "late" registered after the drain began');
  });
});

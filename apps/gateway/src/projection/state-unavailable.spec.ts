import { ProjectionUnavailableError } from '@sluice/gateway/redis-state';
import { SluiceException } from '@sluice/platform';
import { asServiceUnavailable, readProjection } from './state-unavailable';

describe('the Redis-unavailable mapping', () => {
  it('turns an unreachable projection into a 503 clients retry', () => {
    const mapped = asServiceUnavailable(new ProjectionUnavailableError('proj:v1:key:abc'));
    expect(mapped).toBeInstanceOf(SluiceException);
    expect((mapped as SluiceException).getStatus()).toBe(503);
  });

  it('passes every other error through unchanged', () => {
    const other = new Error('bug');
    expect(asServiceUnavailable(other)).toBe(other);
  });

  it('wraps a projection read', async () => {
    await expect(readProjection(async () => 'record')).resolves.toBe('record');
    await expect(
      readProjection(async () => {
        throw new ProjectionUnavailableError('proj:v1:catalog');
      }),
    ).rejects.toMatchObject({ status: 503 });
  });
});

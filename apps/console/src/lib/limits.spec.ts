import { resetIn, windowLabel } from './limits';

describe('live limit labels', () => {
  it('names the window and its level', () => {
    expect(windowLabel({ limit: 'rpm', level: 'tenant' })).toBe('Requests per minute');
    expect(windowLabel({ limit: 'tpd', level: 'team' })).toBe('Tokens per day (team)');
    expect(windowLabel({ limit: 'rph', level: 'key' })).toBe('Requests per hour (key)');
  });

  it('says when a window resets', () => {
    expect([resetIn(0), resetIn(12.2), resetIn(61), resetIn(7200)]).toEqual(['resets now', 'resets in 13 s', 'resets in 2 min', 'resets in 2 h']);
  });
});

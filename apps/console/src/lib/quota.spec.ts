import { quotaBar } from './quota';

describe('quotaBar', () => {
  it('fills in proportion, warns from 80 % and says full at the limit', () => {
    expect(quotaBar(50, 100)).toEqual({ percent: 50, level: 'ok', unlimited: false });
    expect(quotaBar(80, 100)).toEqual({ percent: 80, level: 'warn', unlimited: false });
    expect(quotaBar(150, 100)).toEqual({ percent: 100, level: 'full', unlimited: false });
  });

  it('treats a null limit as none', () => {
    expect(quotaBar(10, null)).toEqual({ percent: 0, level: 'ok', unlimited: true });
  });
});

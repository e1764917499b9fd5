import type { UsageEventInput } from '@sluice/control-plane/data-access';
import { latestUses } from './api-key-last-used';

const use = (api_key_id: string, finished_at: string) => ({ api_key_id, finished_at }) as UsageEventInput;

describe('latestUses', () => {
  it("gives each key of a batch once, with its latest finish by the clock, not by the text's order", () => {
    const batch = [
      use('a', '2026-03-02T10:00:01.000Z'),
      use('b', '2026-03-02T09:00:00.000Z'),
      use('a', '2026-03-02T11:30:00+01:00'), // 10:30 UTC: the latest of a, though its text sorts first
      use('a', '2026-03-02T10:15:00.000Z'),
    ];
    expect(latestUses(batch)).toEqual({ ids: ['a', 'b'], times: ['2026-03-02T11:30:00+01:00', '2026-03-02T09:00:00.000Z'] });
  });

  it('passes on a time it cannot read, for PostgreSQL to judge', () => {
    expect(latestUses([use('a', 'soon'), use('a', '2026-03-02T10:00:00.000Z')])).toEqual({ ids: ['a', 'a'], times: ['soon', '2026-03-02T10:00:00.000Z'] });
  });
});

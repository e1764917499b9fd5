import { workerNodeFlags } from './worker-node-flags';

describe('workerNodeFlags', () => {
  it('gives a worker the configured V8 heap settings after the flags Node was started with', () => {
    expect(workerNodeFlags({ oldSpaceMb: 384, semiSpaceMb: 8, growthPercent: 75 }, ['--enable-source-maps'], '')).toEqual([
      '--max-old-space-size=384',
      '--max-semi-space-size=8',
      '--heap-growing-percent=75',
    ]);
  });

  it("leaves V8's own where the setting is 0", () => {
    expect(workerNodeFlags({ oldSpaceMb: 0, semiSpaceMb: 8, growthPercent: 75 }, [], '')).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=75']);
    expect(workerNodeFlags({ oldSpaceMb: 0, semiSpaceMb: 8, growthPercent: 0 }, [], '')).toEqual(['--max-semi-space-size=8']);
    expect(workerNodeFlags({ oldSpaceMb: 0, semiSpaceMb: 0, growthPercent: 0 }, [], '')).toEqual([]);
  });

  it('lets a setting the operator gave Node win, on the command line or in NODE_OPTIONS, in either spelling', () => {
    const heap = { oldSpaceMb: 384, semiSpaceMb: 8, growthPercent: 75 };
    expect(workerNodeFlags(heap, ['--max-old-space-size=2048'], '')).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=75']);
    expect(workerNodeFlags(heap, ['--max_semi_space_size=32', '--heap_growing_percent=50'], '')).toEqual(['--max-old-space-size=384']);
    expect(workerNodeFlags(heap, ['--heap-growing-percent=200'], '--enable-source-maps  --max-old-space-size=1024 --max-semi-space-size=16')).toEqual([]);
  });
});

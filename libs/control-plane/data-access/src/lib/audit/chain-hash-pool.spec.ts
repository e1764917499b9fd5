import { threadExecArgv } from './chain-hash-pool';

describe('threadExecArgv', () => {
  it("drops the process's preloads, in both spellings, and keeps its other options", () => {
    expect(
      threadExecArgv([
        '--expose-gc',
        '-r',
        'ts-node/register',
        '--require',
        'tsconfig-paths/register',
        '--require=./instrument.js',
        '--import',
        './otel.mjs',
        '--loader=ts-node/esm',
        '--enable-source-maps',
        '--max-old-space-size=512',
      ]),
    ).toEqual(['--expose-gc', '--enable-source-maps', '--max-old-space-size=512']);
  });

  it('keeps an empty list empty', () => {
    expect(threadExecArgv([])).toEqual([]);
  });
});

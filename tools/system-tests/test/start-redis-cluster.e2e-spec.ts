import { TEST_REDIS_URL } from '@sluice/testing';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

const START = join(__dirname, '../../scripts/start.mjs');

/**
 * `npm start` checks its dependencies before building: with REDIS_CLUSTER_NODES
 * set it checks those nodes and never REDIS_URL (as the apps never use it then).
 */
describe("npm start's dependency check with REDIS_CLUSTER_NODES", () => {
  let closedPort: number;

  beforeAll(async () => {
    // A port that was free a moment ago and is closed now: nothing answers there.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses to start when a cluster node does not answer, although REDIS_URL does', () => {
    const result = spawnSync(process.execPath, [START], {
      env: { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_CLUSTER_NODES: `127.0.0.1:${closedPort}` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`npm start: Redis Cluster node is not answering at 127.0.0.1:${closedPort} (REDIS_CLUSTER_NODES)`);
  });
});

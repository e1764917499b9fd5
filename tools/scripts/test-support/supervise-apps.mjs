// What `npm start` runs once built, with the same Supervisor, signal handling
// and log lines, but from the sources (register-ts.cjs, transpiled as ts-node
// would, each file once) so that a test needs no build.
// Prints `ready <pids>` when all three answer; exits as `npm start` does.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLineFormatter } from '../log-lines.mjs';
import { Supervisor } from '../supervisor.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const format = logLineFormatter({ verbose: process.argv.includes('--verbose') });
const supervisor = new Supervisor({
  onLine: (name, _stream, line) => {
    const shown = format(name, line);
    if (shown !== null) process.stdout.write(`${shown}\n`);
  },
  say: (message) => process.stdout.write(`npm start: ${message}\n`),
  stopDeadlineMs: 30_000,
});

function run(name, main, tsconfig, options = {}) {
  const env = { ...process.env, TS_NODE_PROJECT: tsconfig };
  supervisor.run(name, process.execPath, ['-r', join(root, 'tools/scripts/test-support/register-ts.cjs'), '-r', 'tsconfig-paths/register', join(root, main)], { cwd: root, env, ...options });
}

async function ready(url) {
  for (;;) {
    if (supervisor.stopping) return;
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

supervisor.handleSignals();
void supervisor.finished.then((code) => process.exit(code));
run('mock-provider', 'tools/mock-provider/src/main.ts', 'tools/mock-provider/tsconfig.lib.json', { stopLast: true });
run('control-plane', 'apps/control-plane/src/main.ts', 'apps/control-plane/tsconfig.app.json');
run('gateway', 'apps/gateway/src/main.ts', 'apps/gateway/tsconfig.app.json');
const { CONTROL_PLANE_PORT, GATEWAY_PORT, MOCK_PROVIDER_PORT } = process.env;
await Promise.all([
  ready(`http://127.0.0.1:${MOCK_PROVIDER_PORT}/health`),
  ready(`http://127.0.0.1:${CONTROL_PLANE_PORT}/health/ready`),
  ready(`http://127.0.0.1:${GATEWAY_PORT}/health/ready`),
]);
if (!supervisor.stopping) process.stdout.write(`ready ${[...supervisor.children.values()].map(({ child }) => child.pid).join(' ')}\n`);

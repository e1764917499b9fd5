// The Supervisor of `npm start` over two stand-in processes that say which
// signals they get: `app` drains for DRAIN_MS after SIGTERM (0: until a
// SIGINT forces it, exit 1) and exits 3 on its own on SIGUSR2; `mock` is
// stopped last. Prints `ready <app's pid>` once both run.
import { Supervisor } from '../supervisor.mjs';

const app = `
  const say = (text) => process.stdout.write(text + '\\n');
  const drainMs = Number(process.env.DRAIN_MS);
  process.on('SIGTERM', () => { say('app got SIGTERM'); if (drainMs > 0) setTimeout(() => { say('app drained'); process.exit(0); }, drainMs); });
  process.on('SIGINT', () => { say('app got SIGINT'); process.exit(1); });
  process.on('SIGUSR2', () => process.exit(3));
  setInterval(() => undefined, 1000);
  say('app running');
`;
const mock = `
  process.on('SIGTERM', () => { process.stdout.write('mock got SIGTERM\\n'); process.exit(0); });
  process.on('SIGINT', () => { process.stdout.write('mock got SIGINT\\n'); process.exit(1); });
  setInterval(() => undefined, 1000);
  process.stdout.write('mock running\\n');
`;

let running = 0;
const supervisor = new Supervisor({
  onLine: (_name, _stream, line) => {
    process.stdout.write(`${line}\n`);
    if (line.endsWith(' running') && ++running === 2) process.stdout.write(`ready ${supervisor.children.get('app')?.child.pid}\n`);
  },
  say: (message) => process.stdout.write(`npm start: ${message}\n`),
  stopDeadlineMs: 10_000,
});
supervisor.handleSignals();
void supervisor.finished.then((code) => process.exit(code));
supervisor.run('mock', process.execPath, ['-e', mock], { env: process.env, stopLast: true });
supervisor.run('app', process.execPath, ['-e', app], { env: process.env });

// The processes `npm start` runs, started and stopped together.
//
// Each child runs in a process group of its own, so that it hears signals only
// from here. A terminal's Ctrl-C goes to its whole foreground group (npm, this
// script, and children left in the group), and npm forwards it to this script
// once more: a child in the group would get SIGINT from the terminal and then
// the stop from here, and take the second signal as "force the exit". Here
// every child is told to stop exactly once, with SIGTERM, and drains as it
// does under an orchestrator.
import { spawn } from 'node:child_process';

/** Signals that arrive this close to the first are the same Ctrl-C (the terminal's and npm's copy), not a second one. */
export const REPEAT_WINDOW_MS = 1_000;

export class Supervisor {
  /**
   * @param {object} options
   * @param {(name: string, stream: 'stdout' | 'stderr', line: string) => void} options.onLine every line a child writes
   * @param {(message: string) => void} options.say the supervisor's own messages
   * @param {number} options.stopDeadlineMs after a stop, how long children may drain before they are killed
   */
  constructor({ onLine, say, stopDeadlineMs }) {
    this.onLine = onLine;
    this.say = say;
    this.stopDeadlineMs = stopDeadlineMs;
    /** @type {Map<string, { child: import('node:child_process').ChildProcess, stopLast: boolean, stopSent: boolean }>} */
    this.children = new Map();
    this.stopping = false;
    this.stoppedAt = 0;
    this.exitCode = 0;
    /** @type {Promise<number>} */
    this.finished = new Promise((resolve) => (this.finish = resolve));
    // Whatever ends this process ends its children: they are not in its group, nothing else would.
    process.on('exit', () => {
      for (const { child } of this.children.values()) child.kill('SIGKILL');
    });
  }

  /** Starts `command` as `name`; its lines go to `onLine`. A child of `stopLast` is stopped once the others have exited. */
  run(name, command, args, { env, cwd, stopLast = false }) {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
      let pending = '';
      child[stream].setEncoding('utf8').on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.onLine(name, stream, line);
      });
    }
    // `close`, not `exit`: the child's last lines (its drain's end) are read before it counts as gone.
    child.on('close', (code, signal) => {
      this.children.delete(name);
      if (!this.stopping) {
        this.say(`${name} exited (${signal ?? code}); stopping the others`);
        this.stop(1);
        return;
      }
      if (code !== 0) this.exitCode = 1;
      this.stopLastOnes();
      if (this.children.size === 0) this.finish(this.exitCode);
    });
    this.children.set(name, { child, stopLast, stopSent: false });
  }

  /** The first of these signals stops every child; a later one (not a copy of the first) forces them. */
  handleSignals(signals = ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    for (const signal of signals) process.on(signal, () => this.onSignal());
  }

  onSignal() {
    if (!this.stopping) {
      this.stop(0);
      return;
    }
    if (Date.now() - this.stoppedAt < REPEAT_WINDOW_MS) return;
    this.say('Forcing the stop');
    for (const { child } of this.children.values()) child.kill('SIGINT');
  }

  /** Tells every child to stop (SIGTERM, once); resolves `finished` when all have exited. */
  stop(code = 0) {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedAt = Date.now();
    this.exitCode = code;
    if (this.children.size === 0) {
      this.finish(code);
      return;
    }
    const names = [...this.children].sort(([, a], [, b]) => Number(a.stopLast) - Number(b.stopLast)).map(([name]) => name);
    this.say(`Stopping ${names.join(', ')}...`);
    for (const { child, stopLast } of this.children.values()) if (!stopLast) child.kill('SIGTERM');
    this.stopLastOnes();
    setTimeout(() => {
      if (this.children.size === 0) return;
      this.say(`${[...this.children.keys()].join(', ')} still running after ${this.stopDeadlineMs / 1000} s; killing`);
      for (const { child } of this.children.values()) child.kill('SIGKILL');
      this.exitCode = 1;
    }, this.stopDeadlineMs).unref();
  }

  /** The mock provider outlives the apps, so that what they drain can still reach it. */
  stopLastOnes() {
    const entries = [...this.children.values()];
    if (entries.some((entry) => !entry.stopLast)) return;
    for (const entry of entries) {
      if (entry.stopSent) continue;
      entry.stopSent = true;
      entry.child.kill('SIGTERM');
    }
  }
}

import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Local spill files of usage events: JSON lines, one file per recorder process.
 * The name says who wrote it, so that a new process can tell the leftovers of a
 * dead one (to replay) from the live file of a neighbour sharing the directory:
 * `usage_<start time>_<pid>_<random>_<hostname>.jsonl`.
 */
const SPILL_FILE = /^usage_(\d{8}T\d{6}Z)_(\d+)_([0-9a-f]+)_(.+)\.jsonl$/;
const NEWLINE = 0x0a;

export function newSpillFileName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `usage_${stamp}_${process.pid}_${randomBytes(4).toString('hex')}_${hostname()}.jsonl`;
}

/**
 * Spill files in `directory` left by processes that are gone, oldest first.
 * A file of a live process on this host is skipped; so is one in our own pid
 * only when it is `ownName` (a restarted container reuses pid 1, so the same
 * pid on the same host is a previous incarnation). Files of other hosts are
 * taken: the directory is meant to belong to one gateway instance.
 */
export function findLeftoverSpillFiles(directory: string, ownName: string): string[] {
  return readdirSync(directory)
    .filter((name) => isLeftover(name, ownName))
    .sort();
}

/**
 * Deletes unfinished rewrites (`<name>.tmp`) of dead processes: a rewrite
 * replaces its sources only once complete, so they still hold every line.
 */
export function removeAbandonedRewrites(directory: string, ownName: string): void {
  for (const name of readdirSync(directory)) {
    if (name.endsWith('.tmp') && isLeftover(name.slice(0, -'.tmp'.length), ownName)) unlinkSync(join(directory, name));
  }
}

function isLeftover(name: string, ownName: string): boolean {
  const match = SPILL_FILE.exec(name);
  if (!match || name === ownName) return false;
  const pid = Number(match[2]);
  return match[4] !== hostname() || pid === process.pid || !processExists(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The append-only file of this process. Writes are synchronous, so lines land
 * in the order events were recorded and survive a crash of the process (the
 * page cache has them). They are fsync'd only every `fsyncEvery` lines or on
 * `sync()`: a crash of the machine can lose the lines of the last unsynced
 * batch. That is the trade-off: an fsync per event would cap a degraded
 * gateway at the disk's sync rate, exactly when Redis is down and all traffic
 * goes to disk.
 */
export class SpillFile {
  private fd: number | null = null;
  private bytes = 0;
  private unsynced = 0;

  constructor(
    readonly path: string,
    private readonly fsyncEvery: number,
  ) {}

  /** The end offset of the last complete line. */
  get size(): number {
    return this.fd === null ? fileSize(this.path) : this.bytes;
  }

  append(line: string): void {
    const fd = this.ensureOpen();
    const data = Buffer.from(`${line}\n`);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      // Cut off a partial line so the next append does not glue onto it.
      try {
        ftruncateSync(fd, this.bytes);
      } catch {
        // The replay reader skips a line it cannot parse; nothing more to do here.
      }
      throw error;
    }
    this.bytes += data.length;
    if (++this.unsynced >= this.fsyncEvery) this.sync();
  }

  sync(): void {
    if (this.fd === null || this.unsynced === 0) return;
    fdatasyncSync(this.fd);
    this.unsynced = 0;
  }

  close(): void {
    if (this.fd === null) return;
    this.sync();
    closeSync(this.fd);
    this.fd = null;
  }

  /** Closes and deletes the file; the next append starts a new one under the same name. */
  remove(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    this.unsynced = 0;
    this.bytes = 0;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private ensureOpen(): number {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.bytes = fileSize(this.path);
    }
    return this.fd;
  }
}

/** One line of a spill file and the offset just past it (where a resumed replay starts). */
export interface SpilledLine {
  text: string;
  next: number;
}

/**
 * The lines between byte offsets `start` and `end`, read in blocks so a large
 * backlog never sits in memory at once. A final line without its newline (a
 * torn write) is still returned; the caller decides whether it parses.
 */
export async function* readSpilledLines(path: string, start: number, end: number): AsyncGenerator<SpilledLine> {
  const handle = await open(path, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    let position = start;
    let carried = Buffer.alloc(0);
    while (position < end) {
      const { bytesRead } = await handle.read(block, 0, Math.min(block.length, end - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carried.length > 0 ? Buffer.concat([carried, block.subarray(0, bytesRead)]) : block.subarray(0, bytesRead);
      const dataStart = position - data.length;
      let lineStart = 0;
      for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, lineStart)) {
        yield { text: data.toString('utf8', lineStart, newline), next: dataStart + newline + 1 };
        lineStart = newline + 1;
      }
      carried = Buffer.from(data.subarray(lineStart));
    }
    if (carried.length > 0) yield { text: carried.toString('utf8'), next: position };
  } finally {
    await handle.close();
  }
}

/** Copies bytes `[start, end)` of `path` to `fd`, ending with a newline whatever the source ended with. */
export function copyLines(path: string, start: number, end: number, fd: number): void {
  const source = openSync(path, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    let position = start;
    let last = NEWLINE;
    while (position < end) {
      const bytesRead = readSync(source, block, 0, Math.min(block.length, end - position), position);
      if (bytesRead === 0) break;
      writeAll(fd, block.subarray(0, bytesRead));
      last = block[bytesRead - 1];
      position += bytesRead;
    }
    if (last !== NEWLINE) writeAll(fd, Buffer.from('\n'));
  } finally {
    closeSync(source);
  }
}

export function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}

/** Makes a rename or unlink in `directory` durable. */
export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

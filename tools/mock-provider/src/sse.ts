import type { ServerResponse } from 'node:http';
import { isGone, sleep } from './http';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } as const;

/**
 * The frames of one stream, serialized up front, and where `drop_after` cuts
 * it. Content frames carry a token or a piece of tool-call arguments.
 */
export class FrameList {
  readonly frames: string[] = [];
  /** How many frames to write before destroying the socket; -1 ends the stream normally. */
  dropAt = -1;
  private contentCount = 0;

  constructor(private readonly dropAfter: number | undefined) {}

  push(frame: string): void {
    this.frames.push(frame);
  }

  beginContent(): void {
    if (this.dropAfter === 0) this.dropAt = this.frames.length;
  }

  pushContent(frame: string): void {
    this.frames.push(frame);
    if (++this.contentCount === this.dropAfter) this.dropAt = this.frames.length;
  }

  /** With fewer content frames than `drop_after`, the cut comes after the last one. */
  endContent(): void {
    if (this.dropAfter !== undefined && this.dropAt < 0) this.dropAt = this.frames.length;
  }
}

/**
 * Writes each frame as its own chunk (no batching, so clients see real
 * streaming), `delayMs` apart; drops the connection at `list.dropAt`.
 */
export async function writeSse(res: ServerResponse, requestId: string, list: FrameList, delayMs: number): Promise<void> {
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': requestId });
  const { frames, dropAt } = list;
  // Every stream opens with frames before its content, so a drop always writes at least one.
  const end = dropAt < 0 ? frames.length : dropAt;
  for (let i = 0; i < end; i++) {
    if (delayMs > 0 && i > 0) {
      await sleep(delayMs);
      if (isGone(res)) return;
    }
    if (dropAt >= 0 && i === end - 1) {
      // Destroy only once the last frame reached the socket, so the client gets exactly what was promised.
      res.write(frames[i], () => res.destroy());
      return;
    }
    res.write(frames[i]);
  }
  res.end();
}

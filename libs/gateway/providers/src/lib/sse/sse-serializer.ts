import type { SseFrame } from './sse-frame';

const LINE_BREAK = /\r\n|\r|\n/;

/** One frame as `text/event-stream` text; multi-line data becomes one `data:` line per line. */
export function serializeSseFrame(frame: SseFrame): string {
  let text = '';
  if (frame.event !== undefined) text += `event: ${frame.event}\n`;
  if (frame.id !== undefined) text += `id: ${frame.id}\n`;
  return `${text}${dataLines(frame.data)}\n`;
}

/** A `data:`-only frame, the common case, without building a frame object. */
export function sseData(data: string): string {
  return `${dataLines(data)}\n`;
}

/** A named event with one JSON payload. */
export function sseEvent(event: string, data: string): string {
  return `event: ${event}\n${dataLines(data)}\n`;
}

function dataLines(data: string): string {
  if (!LINE_BREAK.test(data)) return `data: ${data}\n`;
  let lines = '';
  for (const line of data.split(LINE_BREAK)) lines += `data: ${line}\n`;
  return lines;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseParser } from '../src/lib/sse/sse-parser';
import type { SseFrame } from '../src/lib/sse/sse-frame';
import type { NormalizedEvent, ProviderAdapter } from '../src/lib/types';

const LIB = join(__dirname, '..', 'src', 'lib');

export function fixtureBytes(folder: string, file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(LIB, folder, '__fixtures__', file)));
}

export function fixtureJson(folder: string, file: string): unknown {
  return JSON.parse(readFileSync(join(LIB, folder, '__fixtures__', file), 'utf8'));
}

/** Deterministic cut points (a linear congruential generator), so a failing seed reproduces. */
export function randomBoundaries(length: number, seed: number, count = Math.ceil(length / 40)): number[] {
  let state = seed;
  const cuts = new Set<number>();
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    cuts.add(1 + (state % Math.max(1, length - 1)));
  }
  return [...cuts].sort((a, b) => a - b);
}

export function framesOf(bytes: Uint8Array, boundaries: number[] = []): SseFrame[] {
  const parser = new SseParser();
  const frames: SseFrame[] = [];
  let start = 0;
  for (const end of [...boundaries, bytes.length]) {
    frames.push(...parser.push(bytes.subarray(start, end)));
    start = end;
  }
  frames.push(...parser.end());
  return frames;
}

export function eventsOf<S>(adapter: ProviderAdapter<S>, frames: SseFrame[]): NormalizedEvent[] {
  const state = adapter.createStreamState();
  const events: NormalizedEvent[] = [];
  for (const frame of frames) events.push(...adapter.parseStreamFrame(frame, state));
  return events;
}

export function streamEvents<S>(adapter: ProviderAdapter<S>, bytes: Uint8Array, boundaries: number[] = []): NormalizedEvent[] {
  return eventsOf(adapter, framesOf(bytes, boundaries));
}

/** The text and tool-call arguments of a stream, joined: what a client would assemble. */
export function assembled(events: NormalizedEvent[]): { text: string; tools: { id?: string; name?: string; arguments: string }[] } {
  let text = '';
  const tools: { id?: string; name?: string; arguments: string }[] = [];
  for (const event of events) {
    if (event.type === 'text_delta') text += event.text;
    if (event.type === 'tool_call_delta') {
      const tool = (tools[event.tool_index] ??= { arguments: '' });
      if (event.id !== undefined) tool.id = event.id;
      if (event.name !== undefined) tool.name = event.name;
      tool.arguments += event.arguments_delta;
    }
  }
  return { text, tools };
}

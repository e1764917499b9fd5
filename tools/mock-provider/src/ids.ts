let counter = 0;

/** An id unique within the process: `prefix` and a counter in hex (deterministic-looking, not random). */
export function nextId(prefix: string): string {
  counter = (counter + 1) % 0x1000000000000;
  return prefix + counter.toString(16).padStart(12, '0');
}

export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

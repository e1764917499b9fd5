export type { SseFrame } from './sse-frame';
export { SseParser } from './sse-parser';
export { serializeSseFrame, sseData, sseEvent } from './sse-serializer';
export { SseByteFramer } from './sse-byte-framer';

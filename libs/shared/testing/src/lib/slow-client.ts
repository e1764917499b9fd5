import { connect } from 'node:net';
import { waitUntil } from './redis';

/**
 * A client that sends a request's headers and then trickles its body a byte
 * at a time, never finishing it; resolves with what the server wrote once it
 * closes the connection (by `deadlineMs`, or the wait fails).
 */
export async function trickleRequest(baseUrl: string, path: string, deadlineMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":`);
  const trickle = setInterval(() => socket.write(' '), 200);
  try {
    await waitUntil(() => closed, deadlineMs, 'the server to close a connection whose body never ends');
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
  return received;
}

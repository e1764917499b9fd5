import { ConfigError } from './config-error';

interface NetworkError {
  code?: string;
  address?: string;
  port?: number;
  errors?: NetworkError[];
}

/**
 * Runs a process's start-up and turns any failure into one line on standard
 * error and exit code 1: an operator sees what to fix, not a stack trace.
 */
export async function startOrExit(service: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    process.stderr.write(`${service}: ${describeStartupError(error)}\n`);
    process.exit(1);
  }
}

export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const network = firstNetworkError(error as NetworkError);
  if (network?.code === 'ECONNREFUSED' || network?.code === 'EHOSTUNREACH' || network?.code === 'ETIMEDOUT') {
    const where = network.address ? `${network.address}:${network.port}` : 'its configured address';
    return `cannot reach a dependency at ${where} (${network.code}): is it running, and are DATABASE_URL and REDIS_URL (or REDIS_CLUSTER_NODES) right?`;
  }
  if (network?.code === 'EADDRINUSE') {
    return `port ${network.port ?? ''} is already in use; stop the other process or set another port`;
  }
  return error instanceof Error ? error.message : String(error);
}

function firstNetworkError(error: NetworkError | undefined): NetworkError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  if (error.code) return error;
  return error.errors?.find((inner) => inner?.code);
}

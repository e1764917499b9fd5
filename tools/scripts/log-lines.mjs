// How `npm start` shows what its processes log: one line per entry. By default
// only requests, warnings and errors; with `--verbose`, every entry (Nest's
// start-up chatter included) and the fields of each.

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const COLORS = { warn: '\x1b[33m', error: '\x1b[31m', fatal: '\x1b[31m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Fields every entry has, or that the line shows already. */
const SHOWN = new Set(['level', 'time', 'service', 'context', 'msg', 'pid', 'hostname', 'req', 'res', 'response_time_ms', 'err']);

/**
 * Returns `format(name, line)`: the line to print for what process `name`
 * wrote, or null to print nothing. Lines that are not JSON are printed as they are.
 */
export function logLineFormatter({ verbose = false, color = false } = {}) {
  const width = 14;
  return (name, line) => {
    const entry = parse(line);
    if (entry === null) return line.trim() === '' ? null : `${''.padEnd(18)} ${name.padEnd(width)} ${line}`;
    const level = typeof entry.level === 'string' ? entry.level : 'info';
    const isRequest = entry.msg === 'request completed' && typeof entry.req === 'object';
    if (!verbose && !isRequest && (LEVELS[level] ?? 30) < LEVELS.warn) return null;
    const time = clockTime(entry.time);
    const label = level.toUpperCase().padEnd(5);
    const stack = verbose && typeof entry.err?.stack === 'string' ? `\n${entry.err.stack}` : '';
    const text = `${isRequest ? requestText(entry) : messageText(entry)}${verbose ? extraFields(entry) : ''}${stack}`;
    const tint = COLORS[level];
    if (!color) return `${time} ${label} ${name.padEnd(width)} ${text}`;
    return `${DIM}${time}${RESET} ${tint ?? ''}${label}${tint ? RESET : ''} ${name.padEnd(width)} ${text}`;
  };
}

/** `14:03:27.120`, local time, from pino's ISO timestamp. */
function clockTime(time) {
  const date = new Date(typeof time === 'string' || typeof time === 'number' ? time : Number.NaN);
  if (Number.isNaN(date.getTime())) return ''.padEnd(12);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function parse(line) {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** `POST /v1/chat/completions 200 35.2 ms`. */
function requestText(entry) {
  const { req, res } = entry;
  return `${req.method} ${req.url} ${res?.status_code ?? '-'} ${entry.response_time_ms ?? '-'} ms`;
}

function messageText(entry) {
  const context = typeof entry.context === 'string' ? `[${entry.context}] ` : '';
  const error = entry.err && typeof entry.err === 'object' ? ` (${entry.err.type ?? 'Error'}: ${entry.err.message ?? ''})` : '';
  return `${context}${entry.msg ?? ''}${error}`;
}

function extraFields(entry) {
  const extra = Object.fromEntries(Object.entries(entry).filter(([key]) => !SHOWN.has(key)));
  return Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
}

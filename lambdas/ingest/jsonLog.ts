/** One structured log line per call: `{"level","time","msg",...fields}` (CloudWatch Logs Insights reads the fields). */
export interface JsonLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** The same log with more fields on every line (a request id). */
  with(fields: Record<string, unknown>): JsonLog;
}

export function jsonLog(
  write: (line: string) => void,
  now: () => Date = () => new Date(),
  base: Record<string, unknown> = {},
): JsonLog {
  const line = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
    write(`${JSON.stringify({ level, time: now().toISOString(), msg, ...base, ...fields })}\n`);
  return {
    info: (msg, fields) => line('info', msg, fields),
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
    with: (fields) => jsonLog(write, now, { ...base, ...fields }),
  };
}

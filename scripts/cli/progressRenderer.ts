import type { ProgressReporter } from '../../core/pipeline/progress.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/**
 * Step-by-step progress on stderr (stdout stays clean for --json). On a terminal the running
 * step shows a live line that is replaced by its result; otherwise each result is one line.
 */
export function progressRenderer(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const tty = stream.isTTY === true;
  const label = (step: string, subject: string) => `${step.padEnd(9)} ${subject}`;
  return {
    stepStarted(step, subject) {
      if (tty) stream.write(`\r\x1b[2K… ${label(step, subject)}`);
    },
    stepProgress(step, subject, message) {
      if (tty)
        stream.write(
          `\r\x1b[2K… ${label(step, subject)} ${message}`.slice(0, stream.columns ?? 120),
        );
      else stream.write(`  ${label(step, subject)} ${message}\n`);
    },
    stepFinished(step, subject, ms, detail) {
      const line = `✓ ${label(step, subject)} ${seconds(ms).padStart(7)}  ${detail}`;
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
    stepFailed(step, subject, ms, message) {
      const line = `✗ ${label(step, subject)} ${seconds(ms).padStart(7)}  ${message}`;
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * Parses a GITHUB_OUTPUT file as the runner does: `name=value` lines and
 * `name<<DELIMITER … DELIMITER` blocks (what @actions/core writes).
 */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const [, name, delimiter] = block as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      if (i >= lines.length) throw new Error(`output ${name}: no closing ${delimiter}`);
      out[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/**
 * Points GITHUB_OUTPUT and GITHUB_STEP_SUMMARY at fresh empty files in `dir`, as the runner
 * does for each step, and restores the environment after the test.
 */
export function useRunnerFiles(): (dir: string) => {
  outputs(): Record<string, string>;
  summary(): string;
} {
  const saved: Record<string, string | undefined> = {};
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return (dir) => {
    const output = join(dir, 'github_output');
    const summary = join(dir, 'step_summary.md');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    for (const k of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
      if (!(k in saved)) saved[k] = process.env[k];
    }
    process.env.GITHUB_OUTPUT = output;
    process.env.GITHUB_STEP_SUMMARY = summary;
    return {
      outputs: () => parseOutputFile(readFileSync(output, 'utf8')),
      summary: () => readFileSync(summary, 'utf8'),
    };
  };
}

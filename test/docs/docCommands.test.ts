import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../scripts/cli/program.ts';
import {
  markdownFiles,
  type QuotedCommand,
  quotedCommands,
  splitInvocation,
} from '../support/docCommands.ts';

// Every `stockops …` command the README and docs/ (runbooks included) tell a user to type must
// exist with the flags quoted, and answer --help: the docs cannot rot silently.
const BIN = resolve('scripts/stockops.ts');
const quoted = markdownFiles(['README.md', 'docs', 'actions/README.md']).flatMap(quotedCommands);
const program = buildProgram(() => {});

/** Walks the words down the command tree; returns the command and how many words it used. */
function resolveCommand(words: readonly string[]): { command: Command; used: number } {
  let command: Command = program;
  let used = 0;
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    command = sub;
    used++;
  }
  return { command, used };
}

function path(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c && c !== program; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function problemsOf(commands: readonly QuotedCommand[]): string[] {
  const problems: string[] = [];
  for (const q of commands) {
    const { words, flags } = splitInvocation(q.text);
    const { command, used } = resolveCommand(words);
    // `stockops --help`, `stockops COMMAND --help`: the program itself, or a placeholder
    if (words.length === 0 && /^([A-Z]+ )?--(help|version)$/.test(q.text)) continue;
    if (used === 0) {
      problems.push(`${q.file}:${q.line}: "stockops ${q.text}": no such command`);
      continue;
    }
    if (command.commands.length > 0) {
      problems.push(
        `${q.file}:${q.line}: "stockops ${q.text}": needs a subcommand of ${path(command)}`,
      );
      continue;
    }
    const known = new Set(['--help', ...command.options.map((o) => o.long ?? '')]);
    for (const flag of flags) {
      if (!known.has(flag)) {
        problems.push(`${q.file}:${q.line}: "stockops ${path(command)}" has no option ${flag}`);
      }
    }
  }
  return problems;
}

describe('stockops commands quoted in the docs', () => {
  it('finds the commands (the extractor is not silently empty)', () => {
    expect(quoted.length).toBeGreaterThan(30);
    const paths = new Set(
      quoted.map((q) => path(resolveCommand(splitInvocation(q.text).words).command)),
    );
    for (const p of ['run', 'ingest', 'serve', 'dags validate', 'config validate']) {
      expect(paths).toContain(p);
    }
  });

  it('each names a real command and only flags that command has', () => {
    expect(problemsOf(quoted)).toEqual([]);
  });

  it('the check catches a misspelt command and a flag the command lacks', () => {
    const at = { file: 'x.md', line: 1 };
    expect(
      problemsOf([
        { ...at, text: 'monitr --store DIR' },
        { ...at, text: 'run --symbols AMZN --bogus' },
        { ...at, text: 'dags' },
      ]),
    ).toEqual([
      'x.md:1: "stockops monitr --store DIR": no such command',
      'x.md:1: "stockops run" has no option --bogus',
      'x.md:1: "stockops dags": needs a subcommand of dags',
    ]);
  });

  it('every quoted command answers --help with its usage', () => {
    const paths = [
      ...new Set(
        quoted
          .map((q) => resolveCommand(splitInvocation(q.text).words))
          .filter((r) => r.used > 0 && r.command.commands.length === 0)
          .map((r) => path(r.command)),
      ),
    ].sort();
    const failures: string[] = [];
    for (const p of paths) {
      const r = spawnSync(process.execPath, [BIN, ...p.split(' '), '--help'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (r.status !== 0 || !r.stdout.includes(`Usage: stockops ${p}`)) {
        failures.push(`stockops ${p} --help: exit ${r.status}: ${r.stderr.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One `stockops …` invocation quoted in a Markdown file. */
export interface QuotedCommand {
  readonly file: string;
  readonly line: number;
  /** The text after `stockops`, up to the end of the code span or shell command. */
  readonly text: string;
}

const INVOCATION = /(?:^|[\s`(])(?:npx |node scripts\/)?stockops(?:\.ts)? ([^`|;&#\n]*)/g;
const FENCED_INVOCATION = /^\s*(?:\$ )?(?:npx |node scripts\/)?stockops(?:\.ts)? ([^|;&#\n]*)/;

/** Every Markdown file under the given roots (files or directories), sorted. */
export function markdownFiles(roots: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (path.endsWith('.md')) out.push(path);
  };
  for (const root of roots) walk(root);
  return out;
}

/**
 * The `stockops …` invocations inside code: fenced blocks and inline code spans. Prose that
 * merely names the product ("stockops is…") is not code, so it is not collected.
 */
export function quotedCommands(file: string): QuotedCommand[] {
  const found: QuotedCommand[] = [];
  let fenced = false;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (/^\s*```/.test(raw)) {
        fenced = !fenced;
        return;
      }
      // Table cells escape pipes as \|: they belong to the command's syntax, not the table.
      const line = raw.replace(/\\\|/g, '¦');
      if (fenced) {
        // in a code block, a command starts its line (diagrams and trees mention the name)
        const m = FENCED_INVOCATION.exec(line);
        if (m) found.push({ file, line: i + 1, text: (m[1] ?? '').trim() });
        return;
      }
      for (const span of line.matchAll(/`([^`]+)`/g)) {
        for (const m of (span[1] ?? '').matchAll(INVOCATION)) {
          found.push({ file, line: i + 1, text: (m[1] ?? '').trim() });
        }
      }
    });
  return found;
}

/** The command path words at the start (`dags validate`) and every long flag it quotes. */
export function splitInvocation(text: string): { words: string[]; flags: string[] } {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const words: string[] = [];
  for (const t of tokens) {
    if (!/^[a-z][a-z-]*$/.test(t)) break;
    words.push(t);
  }
  const flags = [...text.matchAll(/(?:^|[\s[(¦/])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1] ?? '');
  return { words, flags };
}

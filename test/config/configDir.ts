import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/config/configError.ts';

export const REAL_CONFIG_DIR = join(import.meta.dirname, '..', '..', 'config');
export const CONFIG_FILES = ['base.yaml', 'local.yaml', 'dev.yaml', 'staging.yaml', 'prod.yaml'];

export function realConfigText(name: string): string {
  return readFileSync(join(REAL_CONFIG_DIR, name), 'utf8');
}

/** A file's new text, a function of its real text, or null to leave the file out. */
export type Edit = string | null | ((real: string) => string);

const made: string[] = [];

/** A temp config dir holding the real config files with `edits` applied. */
export function configDir(edits: Record<string, Edit> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'stockops-config-'));
  made.push(dir);
  for (const name of new Set([...CONFIG_FILES, ...Object.keys(edits)])) {
    const edit = edits[name];
    const real = CONFIG_FILES.includes(name) ? realConfigText(name) : '';
    const text = edit === undefined ? real : typeof edit === 'function' ? edit(real) : edit;
    if (text !== null) writeFileSync(join(dir, name), text);
  }
  return dir;
}

export function removeConfigDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The one-line issues of the ConfigError that `fn` throws, with the temp dir shown as
 * `config`, as a user running from the repository root would see them.
 */
export function issueLines(fn: () => unknown, dir?: string): string[] {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const text = error.format();
    return (dir === undefined ? text : text.replaceAll(`${dir}/`, 'config/')).split('\n');
  }
  throw new Error('expected a ConfigError, but the config resolved');
}

/** `line:column` (1-based) of the first occurrence of `needle` in `text`, plus `shift` columns. */
export function positionOf(text: string, needle: string, shift = 0): string {
  const offset = text.indexOf(needle);
  if (offset === -1) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1 + shift}`;
}

/** `text` with the first `from` replaced by `to`; fails loudly when `from` is absent. */
export function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`${JSON.stringify(from)} is not in the text`);
  return text.replace(from, to);
}

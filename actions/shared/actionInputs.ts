import * as core from '@actions/core';
import { ConfigurationError } from './actionRuntime.ts';

/** Reads one raw input ('' when unset); `core.getInput` in the runner, a map in tests. */
export type InputReader = (name: string) => string;

export const actionInput: InputReader = (name) => core.getInput(name);

/** Typed accessors over an InputReader: every error names the input and what it accepts. */
export class Inputs {
  readonly #read: InputReader;
  constructor(read: InputReader = actionInput) {
    this.#read = read;
  }

  string(name: string, fallback?: string): string {
    const v = this.#read(name).trim();
    if (v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new ConfigurationError(`input "${name}" is required`);
  }

  optionalString(name: string): string | undefined {
    const v = this.#read(name).trim();
    return v === '' ? undefined : v;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.#read(name).trim().toLowerCase();
    if (v === '') return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new ConfigurationError(`input "${name}" must be true or false (got "${v}")`);
  }

  integer(name: string, fallback: number, min = 0): number {
    const v = this.#read(name).trim();
    if (v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new ConfigurationError(`input "${name}" must be an integer ≥ ${min} (got "${v}")`);
    }
    return n;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const v = this.#read(name).trim();
    if (v === '' && fallback !== undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    throw new ConfigurationError(
      `input "${name}" must be one of ${allowed.join(', ')} (got "${v}")`,
    );
  }

  /** A JSON object input (e.g. hyperparameter overrides); '' gives {}. */
  jsonObject(name: string): Record<string, unknown> {
    const v = this.#read(name).trim();
    if (v === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (error) {
      throw new ConfigurationError(
        `input "${name}" is not valid JSON: ${(error as Error).message}`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigurationError(`input "${name}" must be a JSON object (got ${v})`);
    }
    return parsed as Record<string, unknown>;
  }

  /** A comma- or newline-separated list; '' gives the fallback. */
  list(name: string, fallback: readonly string[] = []): string[] {
    const v = this.#read(name).trim();
    if (v === '') return [...fallback];
    return v
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

#!/usr/bin/env node
// Turns the event that started retrain.yml into one checked request and writes it as step
// outputs (GITHUB_OUTPUT):
//   workflow_dispatch      inputs: environment, symbols, hyperparameters, reason
//   repository_dispatch    type drift-detected, client_payload: { environment, symbols, reason,
//                          hyperparameters } (all optional; symbols a list or "A,B")
// The event data arrives as JSON in environment variables, never inside the shell script, so a
// payload cannot inject commands.
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../adapters/local/configFiles.ts';

export const RETRAIN_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type RetrainEnvironment = (typeof RETRAIN_ENVIRONMENTS)[number];

export interface RetrainRequest {
  readonly environment: RetrainEnvironment;
  /** Upper-case tickers, at least one. */
  readonly symbols: readonly string[];
  /** Hyperparameter overrides, as the JSON object train-model takes. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly reason: string;
}

/** A request that cannot run; the message names the field and what it accepts. */
export class RetrainRequestError extends Error {
  override name = 'RetrainRequestError';
}

const SYMBOL = /^[A-Z][A-Z0-9.^-]{0,14}$/;

/**
 * `eventName` is github.event_name; `fields` the dispatch inputs or the client payload;
 * `configSymbols(env)` the symbols config/<env>.yaml lists (used when none are asked for).
 */
export function resolveRetrainRequest(
  eventName: string,
  fields: unknown,
  configSymbols: (env: RetrainEnvironment) => readonly string[],
): RetrainRequest {
  const source = eventName === 'workflow_dispatch' ? 'input' : 'client_payload';
  if (eventName !== 'workflow_dispatch' && eventName !== 'repository_dispatch') {
    throw new RetrainRequestError(
      `retrain runs on workflow_dispatch or repository_dispatch, not ${eventName}`,
    );
  }
  const f = isObject(fields) ? fields : {};

  const environment = text(f.environment, `${source}.environment`) || 'dev';
  if (!(RETRAIN_ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new RetrainRequestError(
      `${source}.environment must be one of ${RETRAIN_ENVIRONMENTS.join(', ')} (got "${environment}")`,
    );
  }
  const env = environment as RetrainEnvironment;

  const asked = Array.isArray(f.symbols)
    ? f.symbols.map((s, i) => text(s, `${source}.symbols[${i}]`))
    : text(f.symbols, `${source}.symbols`).split(',');
  const symbols = asked.map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  for (const s of symbols) {
    if (!SYMBOL.test(s)) {
      throw new RetrainRequestError(`${source}.symbols: "${s}" is not a ticker symbol`);
    }
  }

  const reason =
    text(f.reason, `${source}.reason`).replace(/\s+/g, ' ').trim() ||
    (eventName === 'repository_dispatch' ? 'drift detected' : '');
  if (reason === '')
    throw new RetrainRequestError(`${source}.reason: say why the model is retrained`);

  return {
    environment: env,
    symbols: symbols.length > 0 ? [...new Set(symbols)] : [...configSymbols(env)],
    hyperparameters: hyperparameters(f.hyperparameters, `${source}.hyperparameters`),
    reason,
  };
}

function hyperparameters(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new RetrainRequestError(`${field} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(parsed)) {
    throw new RetrainRequestError(`${field} must be a JSON object such as {"epochs": 20}`);
  }
  return parsed;
}

function text(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  throw new RetrainRequestError(`${field} must be a string (got ${JSON.stringify(value)})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request as `name=value` lines for GITHUB_OUTPUT (each value on one line). */
export function outputLines(request: RetrainRequest): string {
  return [
    `environment=${request.environment}`,
    `symbols=${JSON.stringify(request.symbols)}`,
    `hyperparameters=${JSON.stringify(request.hyperparameters)}`,
    `reason=${request.reason}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}

function main(): number {
  const eventName = process.env.GITHUB_EVENT_NAME ?? '';
  try {
    const raw = process.env.RETRAIN_REQUEST ?? '{}';
    let fields: unknown;
    try {
      fields = JSON.parse(raw);
    } catch (error) {
      throw new RetrainRequestError(`RETRAIN_REQUEST is not JSON: ${(error as Error).message}`);
    }
    const request = resolveRetrainRequest(
      eventName,
      fields,
      (env) => loadConfig({ env }).config.symbols,
    );
    const lines = outputLines(request);
    const out = process.env.GITHUB_OUTPUT;
    if (out) appendFileSync(out, lines);
    process.stdout.write(lines);
    return 0;
  } catch (error) {
    process.stderr.write(`::error title=retrain request::${(error as Error).message}\n`);
    return error instanceof RetrainRequestError ? 2 : 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}

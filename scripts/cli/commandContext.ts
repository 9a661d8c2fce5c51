import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { ResilientPriceSource } from '../../adapters/sources/resilientSource.ts';
import { sourceFromSpec } from '../../adapters/sources/sourceFromSpec.ts';
import type { ResolvedConfig } from '../../core/config/resolveConfig.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import type { PriceSource } from '../../core/ports/priceSource.ts';
import { policySettings } from '../../core/resilience/policySettings.ts';
import { UsageError } from './cliErrors.ts';

/** Options every command takes. */
export interface CommonOptions {
  readonly config: string;
  readonly env: string;
}

export interface DataOptions extends CommonOptions {
  readonly symbols?: string;
  readonly source?: string;
  readonly store?: string;
}

export interface CommandContext {
  readonly resolved: ResolvedConfig;
  readonly symbols: readonly string[];
  readonly sourceSpec: string;
  /** The source as configured, without retries (`stockops ingest` wraps it with its own sleep). */
  readonly source: PriceSource;
  /** The same source behind the `yahoo` resilience policy (config resilience.yahoo). */
  readonly resilientSource: PriceSource;
  readonly store: ObjectStore;
}

const TICKER = /^[A-Z][A-Z0-9.-]{0,9}$/;

export function parseSymbols(list: string): string[] {
  const symbols = list
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  const bad = symbols.filter((s) => !TICKER.test(s));
  if (symbols.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--symbols: expected a comma-separated list of tickers such as AMZN,MSFT (got "${list}")`,
    );
  }
  return [...new Set(symbols)];
}

/** Config first (flags override it), then the store and source it names. */
export function commandContext(options: DataOptions): CommandContext {
  const resolved = loadConfig({ dir: options.config, env: options.env });
  const { config } = resolved;
  const symbols = options.symbols ? parseSymbols(options.symbols) : [...config.symbols];
  const sourceSpec = options.source ?? config.data.source;
  let source: PriceSource;
  try {
    source = sourceFromSpec({
      spec: sourceSpec,
      yahooBaseUrl: process.env.STOCKOPS_YAHOO_BASE_URL || config.data.yahoo.base_url,
      yahooTimeoutMs: config.data.yahoo.timeout_ms,
    });
  } catch (error) {
    throw new UsageError(`--source: ${(error as Error).message}`);
  }
  const store = new FileObjectStore(options.store ?? config.store.root);
  const resilientSource = new ResilientPriceSource(source, {
    settings: policySettings('yahoo', config.resilience),
  });
  return { resolved, symbols, sourceSpec, source, resilientSource, store };
}

import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import {
  APPROVAL_STATUSES,
  type ApprovalStatus,
  type ModelPackage,
  RegistryError,
} from '../../core/ports/modelRegistry.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';

export interface RegistryListOptions extends DataOptions {
  readonly json?: boolean;
}

/** `stockops registry list`: every version of each symbol's group, the champion marked. */
export async function registryListCommand(options: RegistryListOptions): Promise<number> {
  const ctx = commandContext(options);
  const registry = new StoreModelRegistry(ctx.store);
  const out: string[] = [];
  for (const symbol of ctx.symbols) {
    const versions = await registry.list(symbol);
    const champion = await registry.champion(symbol);
    if (options.json) {
      out.push(JSON.stringify({ symbol, champion: champion?.version ?? null, versions }));
      continue;
    }
    out.push(
      `${symbol}: ${versions.length} versions, champion ${champion ? `v${champion.version}` : 'none'}`,
    );
    for (const p of versions) out.push(describe(p, p.version === champion?.version));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT_OK;
}

function describe(p: ModelPackage, isChampion: boolean): string {
  const ratio = p.metrics['aggregate.error_ratio_vs_best_baseline'];
  const rmse = p.metrics['aggregate.rmse_return'];
  const last = p.status_history.at(-1);
  return (
    `  ${isChampion ? '*' : ' '} v${String(p.version).padEnd(4)} ${p.model_name.padEnd(12)} ` +
    `${p.status.padEnd(22)} RMSE(ret) ${typeof rmse === 'number' ? rmse.toFixed(5) : '   -   '}  ` +
    `ratio ${typeof ratio === 'number' ? ratio.toFixed(3) : '  -  '}  data to ${p.lineage.data.to}  ` +
    `${last ? `— ${last.reason}` : ''}`
  );
}

export interface RegistryChangeOptions extends DataOptions {
  readonly symbol: string;
  readonly version: string;
  readonly reason: string;
}

/**
 * `stockops registry champion`: point the endpoint at another Approved version — the local
 * rollback (docs/runbooks/endpoint-rollback.md). The reason is recorded with the pointer.
 */
export async function registryChampionCommand(options: RegistryChangeOptions): Promise<number> {
  const { registry, symbol, version, reason } = target(options);
  await registryCall(() => registry.setChampion(symbol, version, reason, new Date().toISOString()));
  process.stdout.write(`${symbol}: champion is v${version} (${reason})\n`);
  return EXIT_OK;
}

export interface RegistryApprovalOptions extends RegistryChangeOptions {
  readonly status: string;
}

/** `stockops registry approve|reject`: a person's decision over the gate's, with its reason. */
export async function registryApprovalCommand(options: RegistryApprovalOptions): Promise<number> {
  const { registry, symbol, version, reason } = target(options);
  if (!(APPROVAL_STATUSES as readonly string[]).includes(options.status)) {
    throw new UsageError(`status must be one of ${APPROVAL_STATUSES.join(', ')}`);
  }
  const status = options.status as ApprovalStatus;
  const updated = await registryCall(() =>
    registry.updateApproval(symbol, version, status, reason, new Date().toISOString()),
  );
  process.stdout.write(
    `${symbol} v${version}: ${updated.status}${updated.championCleared ? '; it was the champion, so the group has none now: set one with `stockops registry champion`' : ''}\n`,
  );
  return EXIT_OK;
}

function target(options: RegistryChangeOptions) {
  const ctx = commandContext(options);
  const version = Number(options.version);
  if (!Number.isInteger(version) || version < 1) {
    throw new UsageError(`--version: expected a version number ≥ 1 (got "${options.version}")`);
  }
  if (options.reason.trim() === '') throw new UsageError('--reason: say why (it is recorded)');
  const symbol = options.symbol.trim().toUpperCase();
  return { registry: new StoreModelRegistry(ctx.store), symbol, version, reason: options.reason };
}

/** A registry refusal (unknown version, not Approved, illegal transition) is the user's to fix. */
async function registryCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RegistryError) throw new UsageError(`registry: ${error.message}`);
    throw error;
  }
}

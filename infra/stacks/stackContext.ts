import type { AwsConfig, StockopsConfig } from '../../core/config/configTypes.ts';

/** What every stack is built from: the environment's name and its effective config. */
export interface StackContext {
  readonly env: string;
  readonly config: StockopsConfig;
  readonly aws: AwsConfig;
}

/** `stockops-dev-data`: names are prefixed so environments can share an account. */
export function resourceName(ctx: StackContext, suffix: string): string {
  return `stockops-${ctx.env}-${suffix}`;
}

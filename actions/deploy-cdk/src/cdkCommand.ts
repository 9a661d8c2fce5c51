import { ConfigurationError } from '../../shared/actionRuntime.ts';

export type CdkCommand = 'synth' | 'diff' | 'deploy';

export interface CdkArgsOptions {
  readonly command: CdkCommand;
  readonly env: string;
  /** Full stack names; empty selects every stack of the app (`--all`). */
  readonly stacks: readonly string[];
  readonly configDir: string;
  readonly requirementsVersion?: string | undefined;
  readonly startupScriptVersion?: string | undefined;
  /** deploy: where the CLI writes the stacks' outputs. */
  readonly outputsFile?: string;
  /** The cloud assembly directory; the CLI's default (cdk.json: cdk.out) when absent. */
  readonly outputDir?: string;
}

/**
 * The CDK CLI's argv after the program. The app is cdk.json's (`node infra/app.ts`), which
 * builds only the stacks of `-c env`, so `--all` means "every stack of this environment".
 */
export function cdkArgs(o: CdkArgsOptions): string[] {
  const args: string[] = [o.command];
  args.push(...(o.stacks.length === 0 ? ['--all'] : o.stacks));
  args.push('--context', `env=${o.env}`, '--context', `configDir=${o.configDir}`);
  if (o.requirementsVersion) args.push('--context', `requirementsVersion=${o.requirementsVersion}`);
  if (o.startupScriptVersion) {
    args.push('--context', `startupScriptVersion=${o.startupScriptVersion}`);
  }
  if (o.outputDir) args.push('--output', o.outputDir);
  args.push('--no-color');
  if (o.command === 'deploy') {
    // No prompt can be answered on a runner; IAM changes are reviewed in the PR's diff instead.
    args.push('--require-approval', 'never');
    if (o.outputsFile) args.push('--outputs-file', o.outputsFile);
  }
  if (o.command === 'synth') args.push('--quiet');
  return args;
}

const STACK_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Full stack names from the `stacks` input: `ml` → `stockops-dev-ml`. A full name of another
 * environment is refused, so a typo cannot deploy prod from the dev job.
 */
export function stackNames(env: string, stacks: readonly string[]): string[] {
  const prefix = `stockops-${env}-`;
  return stacks.map((s) => {
    if (!STACK_NAME.test(s)) {
      throw new ConfigurationError(
        `input "stacks": "${s}" is not a stack name (lowercase letters, digits, hyphens)`,
      );
    }
    if (s.startsWith(prefix)) return s;
    if (s.startsWith('stockops-')) {
      throw new ConfigurationError(
        `input "stacks": ${s} is not a stack of ${env} (its stacks are named ${prefix}*)`,
      );
    }
    return `${prefix}${s}`;
  });
}

export type StackOutputs = Record<string, Record<string, string>>;

/** The `--outputs-file` JSON: `{ "stack": { "OutputKey": "value" } }`. */
export function parseStackOutputs(text: string, file: string): StackOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: the CDK outputs file is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file}: the CDK outputs file is not a JSON object`);
  }
  const out: StackOutputs = {};
  for (const [stack, outputs] of Object.entries(parsed as Record<string, unknown>)) {
    if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) {
      throw new Error(`${file}: outputs of ${stack} are not an object`);
    }
    out[stack] = Object.fromEntries(
      Object.entries(outputs as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
  }
  return out;
}

/** `Number of stacks with differences: 2` from the diff's output; undefined if not printed. */
export function stacksWithDifferences(output: string): number | undefined {
  const m = /Number of stacks with differences:\s*(\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import {
  type CallOverride,
  type PolicyName,
  policySettings,
  type ResilienceConfig,
} from '../../core/resilience/policySettings.ts';
import { type PolicyEvent, ResiliencePolicy } from '../resilience/resiliencePolicy.ts';

/**
 * Worth another attempt against AWS: throttling (429, `ThrottlingException`, `SlowDown`),
 * 5xx, timeouts and network failures (connection refused or reset, DNS), as the SDK's own
 * classifiers (@smithy/core/retry) see them. A 4xx validation or not-found error is not: it
 * fails at once, whatever the policy.
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // the SDK's classifiers read fields of an SdkError; any Error carries those it needs
  const e = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/** What an SDK v3 client has that the factory wraps. */
export interface SendingClient {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's send is overloaded per command
  send(command: any, options?: any): Promise<any>;
}

/** How the factory builds a client's policy; everything optional. */
export interface AwsResilienceOptions {
  /** The config's `resilience` section; absent: the defaults. */
  readonly resilience?: ResilienceConfig;
  /** Per-command overrides, by command class name: `{ PutObjectCommand: { attemptTimeoutMs: 120000 } }`. */
  readonly overrides?: Readonly<Record<string, CallOverride>>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onEvent?: (event: PolicyEvent) => void;
}

const WRAPPED = Symbol.for('stockops.resilience');

/** The policy a client built by `createAwsClient` runs its calls under. */
export function clientPolicy(client: object): ResiliencePolicy | undefined {
  return (client as { [WRAPPED]?: ResiliencePolicy })[WRAPPED];
}

/**
 * Puts a client's `send` behind `policy`: each call is retried, timed out (through the SDK's
 * `abortSignal`, so the request is cancelled) and counted by the policy's breaker. The client
 * keeps its type, so adapters that take an `S3Client` take this one unchanged.
 */
export function withResilience<C extends SendingClient>(
  client: C,
  policy: ResiliencePolicy,
  overrides: Readonly<Record<string, CallOverride>> = {},
): C {
  if (clientPolicy(client)) throw new Error(`this client already runs under a resilience policy`);
  const send = client.send.bind(client);
  const service = policy.name;
  const wrapped = (command: object, options?: { abortSignal?: AbortSignal }) => {
    const name = command.constructor?.name || 'Command';
    const override = overrides[name];
    return policy.execute(
      ({ signal }) => {
        const caller = options?.abortSignal;
        const abortSignal = caller ? AbortSignal.any([caller, signal]) : signal;
        return send(command, { ...options, abortSignal });
      },
      { call: `${service} ${name.replace(/Command$/, '')}`, ...(override ? { override } : {}) },
    );
  };
  Object.assign(client, { send: wrapped, [WRAPPED]: policy });
  return client;
}

/**
 * The one way an AWS client is made: the SDK's own retries off (`maxAttempts: 1`, so retries
 * happen in one layer only) and `send` behind the named policy from config.
 * `createAwsClient(S3Client, { region }, 's3', { resilience: config.resilience })`.
 */
export function createAwsClient<C extends SendingClient, Config extends object>(
  Client: new (config: Config) => C,
  config: Config,
  policy: PolicyName,
  options: AwsResilienceOptions = {},
): C {
  const client = new Client({ ...config, maxAttempts: 1 });
  return withResilience(
    client,
    new ResiliencePolicy(policy, policySettings(policy, options.resilience), {
      isRetryable: isRetryableAwsError,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    }),
    options.overrides,
  );
}

/** `{ resilience }` when the config has the section, else nothing (the defaults apply). */
export function withResilienceConfig(
  resilience: ResilienceConfig | undefined,
): AwsResilienceOptions {
  return resilience === undefined ? {} : { resilience };
}

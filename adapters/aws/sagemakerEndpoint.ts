import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
  type UpdateEndpointCommandInput,
} from '@aws-sdk/client-sagemaker';
import type {
  deploymentConfig,
  endpointConfigRequest,
  modelRequest,
} from '../../core/deploy/endpointDeployment.ts';
import { isNotFound } from './awsClients.ts';
import type { WaitClock } from './sagemakerTraining.ts';

export interface EndpointView {
  readonly name: string;
  readonly status: string;
  readonly configName: string;
  readonly failureReason: string | undefined;
}

/** The endpoint did not reach InService with the new config. */
export class EndpointDeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointDeploymentError';
  }
}

const WAIT_STATES = [
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'UpdateRollbackFailed',
];

/** SageMaker models, endpoint configs and endpoints, as promote-model uses them. */
export class SageMakerEndpoints {
  readonly #client: SageMakerClient;
  readonly #clock: WaitClock;

  constructor(client: SageMakerClient, clock: WaitClock) {
    this.#client = client;
    this.#clock = clock;
  }

  async describe(name: string): Promise<EndpointView | undefined> {
    try {
      const e = await this.#client.send(new DescribeEndpointCommand({ EndpointName: name }));
      return {
        name,
        status: e.EndpointStatus ?? '',
        configName: e.EndpointConfigName ?? '',
        failureReason: e.FailureReason,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the model unless one of that name exists (names are per package version). */
  async ensureModel(request: ReturnType<typeof modelRequest>): Promise<'exists' | 'created'> {
    try {
      await this.#client.send(new DescribeModelCommand({ ModelName: request.ModelName }));
      return 'exists';
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.#client.send(new CreateModelCommand(request as unknown as CreateModelCommandInput));
    return 'created';
  }

  async ensureEndpointConfig(
    request: ReturnType<typeof endpointConfigRequest>,
  ): Promise<'exists' | 'created'> {
    try {
      await this.#client.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: request.EndpointConfigName }),
      );
      return 'exists';
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.#client.send(
      new CreateEndpointConfigCommand(request as unknown as CreateEndpointConfigCommandInput),
    );
    return 'created';
  }

  async create(name: string, configName: string, env: string): Promise<void> {
    await this.#client.send(
      new CreateEndpointCommand({
        EndpointName: name,
        EndpointConfigName: configName,
        Tags: [{ Key: 'stockops:env', Value: env }],
      }),
    );
  }

  /** A guarded update: blue/green, rolled back by SageMaker when an alarm fires. */
  async update(
    name: string,
    configName: string,
    deployment: ReturnType<typeof deploymentConfig>,
  ): Promise<void> {
    const input: UpdateEndpointCommandInput = {
      EndpointName: name,
      EndpointConfigName: configName,
      DeploymentConfig: deployment as UpdateEndpointCommandInput['DeploymentConfig'],
    };
    await this.#client.send(new UpdateEndpointCommand(input));
  }

  /**
   * Waits until the endpoint is InService with `configName`. Failed, or InService with another
   * config (SageMaker rolled the update back after an alarm), is an EndpointDeploymentError.
   */
  async waitInService(
    name: string,
    configName: string,
    options: {
      readonly pollMs: number;
      readonly timeoutMs: number;
      readonly onStatus: (line: string) => void;
    },
  ): Promise<EndpointView> {
    const started = this.#clock.now();
    let last = '';
    for (;;) {
      const view = await this.describe(name);
      if (view === undefined) throw new EndpointDeploymentError(`endpoint ${name} does not exist`);
      if (view.status !== last) {
        const minutes = ((this.#clock.now() - started) / 60_000).toFixed(1);
        options.onStatus(`${name}: ${view.status} after ${minutes} min`);
        last = view.status;
      }
      if (view.status === 'InService') {
        if (view.configName === configName) return view;
        throw new EndpointDeploymentError(
          `endpoint ${name} is InService with ${view.configName}, not ${configName}: the update was rolled back` +
            `${view.failureReason ? ` (${view.failureReason})` : ' (an alarm fired during the deployment)'}`,
        );
      }
      if (!WAIT_STATES.includes(view.status)) {
        throw new EndpointDeploymentError(
          `endpoint ${name} is ${view.status}${view.failureReason ? `: ${view.failureReason}` : ''}`,
        );
      }
      if (this.#clock.now() - started >= options.timeoutMs) {
        throw new EndpointDeploymentError(
          `endpoint ${name} is still ${view.status} after ${Math.round(options.timeoutMs / 60_000)} min: raise wait-minutes, or follow it in the SageMaker console`,
        );
      }
      await this.#clock.sleep(options.pollMs);
    }
  }
}

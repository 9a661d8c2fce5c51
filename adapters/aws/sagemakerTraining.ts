import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  type SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { finalMetrics, type TrainingJobRequest } from '../../core/training/trainingJobRequest.ts';
import { TrainingLogTail } from './trainingLogs.ts';

export type TrainingJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/** What the actions read of DescribeTrainingJob. */
export interface TrainingJobView {
  readonly name: string;
  readonly arn: string;
  readonly status: TrainingJobStatus;
  readonly secondaryStatus: string;
  readonly failureReason: string | undefined;
  /** `s3://…/model.tar.gz`; undefined until the job has written it. */
  readonly modelArtifact: string | undefined;
  /** The final value of each MetricDefinitions metric. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly billableSeconds: number | undefined;
}

/** Injected so a wait never sleeps in tests. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TrainingWaitOptions {
  readonly pollMs: number;
  /** Give up waiting (the job goes on) after this long. */
  readonly timeoutMs: number;
  /** Progress lines: status changes. */
  readonly onStatus: (line: string) => void;
  /** The container's log lines, as they arrive. */
  readonly onLog: (line: string) => void;
  /** When aborted (the workflow was cancelled), the job is stopped and waited for. */
  readonly signal?: AbortSignal;
}

const TERMINAL: readonly TrainingJobStatus[] = ['Completed', 'Failed', 'Stopped'];

/** The wait ended before the job did; the job itself keeps running. */
export class TrainingWaitTimeout extends Error {
  constructor(name: string, minutes: number, status: string) {
    super(
      `training job ${name} is still ${status} after ${minutes} min of waiting; it keeps running: ` +
        'follow it in the SageMaker console, or run gate-promotion with its job-name once it completes',
    );
    this.name = 'TrainingWaitTimeout';
  }
}

export class SageMakerTraining {
  readonly #client: SageMakerClient;
  readonly #logs: CloudWatchLogsClient;
  readonly #clock: WaitClock;

  constructor(client: SageMakerClient, logs: CloudWatchLogsClient, clock: WaitClock = REAL_CLOCK) {
    this.#client = client;
    this.#logs = logs;
    this.#clock = clock;
  }

  async start(request: TrainingJobRequest): Promise<string> {
    // the request is a readonly plain object; the SDK's input type is the mutable same shape
    const out = await this.#client.send(
      new CreateTrainingJobCommand(request as unknown as CreateTrainingJobCommandInput),
    );
    return out.TrainingJobArn ?? '';
  }

  async describe(name: string): Promise<TrainingJobView> {
    const job = await this.#client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    return {
      name,
      arn: job.TrainingJobArn ?? '',
      status: (job.TrainingJobStatus ?? 'InProgress') as TrainingJobStatus,
      secondaryStatus: job.SecondaryStatus ?? '',
      failureReason: job.FailureReason,
      modelArtifact: job.ModelArtifacts?.S3ModelArtifacts,
      metrics: finalMetrics(job.FinalMetricDataList),
      billableSeconds: job.BillableTimeInSeconds,
    };
  }

  async stop(name: string): Promise<void> {
    await this.#client.send(new StopTrainingJobCommand({ TrainingJobName: name }));
  }

  /**
   * Polls until the job completes, fails or stops, reporting each status change and every new
   * log line. On abort it sends StopTrainingJob once and waits for the Stopped status.
   */
  async wait(name: string, options: TrainingWaitOptions): Promise<TrainingJobView> {
    const tail = new TrainingLogTail(this.#logs, name);
    const started = this.#clock.now();
    let last = '';
    let stopSent = false;
    for (;;) {
      if (options.signal?.aborted && !stopSent) {
        options.onStatus(`cancelled: stopping training job ${name}`);
        await this.stop(name);
        stopSent = true;
      }
      const job = await this.describe(name);
      const status = `${job.status}${job.secondaryStatus ? ` (${job.secondaryStatus})` : ''}`;
      if (status !== last) {
        const minutes = ((this.#clock.now() - started) / 60_000).toFixed(1);
        options.onStatus(`${name}: ${status} after ${minutes} min`);
        last = status;
      }
      for (const line of await tail.poll()) options.onLog(line);
      if (TERMINAL.includes(job.status)) return job;
      if (this.#clock.now() - started >= options.timeoutMs) {
        throw new TrainingWaitTimeout(name, Math.round(options.timeoutMs / 60_000), job.status);
      }
      await this.#clock.sleep(options.pollMs);
    }
  }
}

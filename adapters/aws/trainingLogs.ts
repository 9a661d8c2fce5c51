import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { TRAINING_LOG_GROUP } from '../../core/training/trainingJobRequest.ts';

/**
 * Follows a training job's CloudWatch log streams (`<job>/algo-1-…` in
 * /aws/sagemaker/TrainingJobs): each poll returns the lines written since the last one, in
 * stream order. Before the instance starts there is no stream (or no group): no lines.
 */
export class TrainingLogTail {
  readonly #client: CloudWatchLogsClient;
  readonly #job: string;
  readonly #group: string;
  /** Stream name → the forward token to continue from. */
  readonly #tokens = new Map<string, string | undefined>();

  constructor(client: CloudWatchLogsClient, jobName: string, group = TRAINING_LOG_GROUP) {
    this.#client = client;
    this.#job = jobName;
    this.#group = group;
  }

  async poll(): Promise<string[]> {
    const streams = await this.#streams();
    const lines: string[] = [];
    for (const stream of streams) {
      let token = this.#tokens.get(stream);
      for (;;) {
        const page = await this.#client.send(
          new GetLogEventsCommand({
            logGroupName: this.#group,
            logStreamName: stream,
            startFromHead: true,
            ...(token === undefined ? {} : { nextToken: token }),
          }),
        );
        for (const event of page.events ?? []) {
          if (event.message !== undefined) lines.push(event.message.replace(/\n$/, ''));
        }
        const next = page.nextForwardToken;
        // the same token back means the end of the stream for now
        const done = next === undefined || next === token || (page.events ?? []).length === 0;
        token = next ?? token;
        if (done) break;
      }
      this.#tokens.set(stream, token);
    }
    return lines;
  }

  async #streams(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new DescribeLogStreamsCommand({
            logGroupName: this.#group,
            logStreamNamePrefix: `${this.#job}/`,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        );
        for (const s of page.logStreams ?? []) if (s.logStreamName) names.push(s.logStreamName);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return [];
      throw error;
    }
    return names.sort();
  }
}

import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { AwsConfig } from '../../core/config/configTypes.ts';
import {
  ALERT_TYPES,
  type Alert,
  type AlertPublisher,
  type AlertType,
} from '../../core/ports/alerts.ts';
import { type AwsResilienceOptions, createAwsClient } from './resilientClient.ts';

export type AlertTopics = Readonly<Record<AlertType, string>>;

/** `STOCKOPS_ALERT_TOPIC_MODEL_DEGRADATION` for `model_degradation`. */
export function topicEnvName(type: AlertType): string {
  return `STOCKOPS_ALERT_TOPIC_${type.toUpperCase()}`;
}

/** The topic ARNs from the environment (the CDK stack sets one variable per alert type). */
export function alertTopicsFromEnv(env: Readonly<Record<string, string | undefined>>): AlertTopics {
  const missing = ALERT_TYPES.filter((t) => !env[topicEnvName(t)]);
  if (missing.length > 0) {
    throw new Error(
      `SNS alerts need a topic ARN per alert type: set ${missing.map(topicEnvName).join(', ')}`,
    );
  }
  return Object.fromEntries(
    ALERT_TYPES.map((t) => [t, env[topicEnvName(t)] as string]),
  ) as AlertTopics;
}

/**
 * The ARNs of the topics the monitoring stack creates (`stockops-<env>-<type>`), from config:
 * they need aws.account_id.
 */
export function alertTopicsFromConfig(env: string, aws: AwsConfig): AlertTopics {
  if (!aws.account_id) {
    throw new Error(
      `config aws.account_id is not set for ${env}: it is needed to name the SNS alert topics (or set ${topicEnvName('model_degradation')} and the others)`,
    );
  }
  return Object.fromEntries(
    ALERT_TYPES.map((t) => [
      t,
      `arn:aws:sns:${aws.region}:${aws.account_id}:stockops-${env}-${t.replace(/_/g, '-')}`,
    ]),
  ) as AlertTopics;
}

/** An SNS client whose calls run under the `sns` resilience policy. */
export function createSnsClient(
  config: SNSClientConfig = {},
  options: AwsResilienceOptions = {},
): SNSClient {
  return createAwsClient(SNSClient, config, 'sns', options);
}

/**
 * Alerts to SNS: one topic per alert type; the message is the alert as JSON (what the dispatch
 * Lambda parses), the subject its one-line summary, and message attributes carry type,
 * severity, symbol and `retrain`, which subscription filter policies select on.
 */
export class SnsAlerts implements AlertPublisher {
  readonly name = 'sns';
  private readonly client: SNSClient;
  private readonly topics: AlertTopics;

  constructor(options: { readonly client: SNSClient; readonly topics: AlertTopics }) {
    this.client = options.client;
    this.topics = options.topics;
  }

  async publish(alert: Alert): Promise<void> {
    const topic = this.topics[alert.type];
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: topic,
          Subject: snsSubject(`[${alert.env}] ${alert.summary}`),
          Message: JSON.stringify(alert),
          MessageAttributes: {
            alert_type: text(alert.type),
            severity: text(alert.severity),
            retrain: text(String(alert.retrain)),
            ...(alert.symbol === null ? {} : { symbol: text(alert.symbol) }),
          },
        }),
      );
    } catch (error) {
      throw new Error(
        `SNS publish of alert ${alert.id} to ${topic} failed: ${(error as Error).message} (check the topic exists and the role may sns:Publish to it)`,
        { cause: error },
      );
    }
  }
}

/** SNS subjects are printable ASCII without line breaks, at most 100 characters. */
export function snsSubject(text: string): string {
  const ascii = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7E]/g, '-');
  return ascii.length > 100 ? `${ascii.slice(0, 97)}...` : ascii;
}

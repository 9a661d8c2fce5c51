import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AlertTopics,
  alertTopicsFromConfig,
  alertTopicsFromEnv,
  SnsAlerts,
  snsSubject,
  topicEnvName,
} from '../../adapters/aws/snsAlerts.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import { ALERT_TYPES, parseAlert } from '../../core/ports/alerts.ts';
import { type MotoServer, startMoto } from '../support/motoServer.ts';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const region = 'us-east-1';
let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

const sns = () => new SNSClient({ endpoint: moto.endpoint, region, credentials, maxAttempts: 1 });
const sqs = () => new SQSClient({ endpoint: moto.endpoint, region, credentials, maxAttempts: 1 });

/** A topic per alert type, each with an SQS queue subscribed (raw delivery off: SNS envelopes). */
async function topicsWithQueues(filter?: Record<string, string[]>) {
  const topics: Record<string, string> = {};
  const queues: Record<string, string> = {};
  for (const type of ALERT_TYPES) {
    const topic = await sns().send(new CreateTopicCommand({ Name: `stockops-test-${type}` }));
    const queue = await sqs().send(new CreateQueueCommand({ QueueName: `q-${type}` }));
    const attrs = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns().send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: 'sqs',
        Endpoint: attrs.Attributes?.QueueArn,
        ...(filter ? { Attributes: { FilterPolicy: JSON.stringify(filter) } } : {}),
      }),
    );
    topics[type] = topic.TopicArn as string;
    queues[type] = queue.QueueUrl as string;
  }
  return { topics: topics as unknown as AlertTopics, queues };
}

async function received(queueUrl: string) {
  const r = await sqs().send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (r.Messages ?? []).map(
    (m) =>
      JSON.parse(m.Body as string) as {
        Subject?: string;
        Message: string;
        MessageAttributes: Record<string, { Value: string }>;
      },
  );
}

describe('SnsAlerts against moto (SNS → SQS)', () => {
  it('publishes each alert to its type’s topic once per incident, with attributes', async () => {
    const { topics, queues } = await topicsWithQueues();
    const alerts = new IncidentAlerts({
      publisher: new SnsAlerts({ client: sns(), topics }),
      store: new MemoryObjectStore(),
      env: 'dev',
      now: () => new Date('2024-05-01T00:00:00.000Z'),
    });
    const input = {
      type: 'model_degradation' as const,
      incident: 'model_degradation.AMZN.drift',
      severity: 'critical' as const,
      symbol: 'AMZN',
      summary: 'AMZN: lstm v5 drifted 3 sessions in a row — retrain',
      detail: 'realised error ratio 1.3 vs last_close > 1.1',
      retrain: true,
      data: { reason: 'realised error ratio 1.3 vs last_close > 1.1' },
    };
    const first = await alerts.raise(input);
    const second = await alerts.raise(input);
    expect([first.sent, second.sent]).toEqual([true, false]);

    const messages = await received(queues.model_degradation as string);
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(parseAlert(m?.Message as string)).toEqual(first.alert);
    expect(m?.Subject).toBe('[dev] AMZN: lstm v5 drifted 3 sessions in a row - retrain');
    expect(m?.MessageAttributes.alert_type?.Value).toBe('model_degradation');
    expect(m?.MessageAttributes.retrain?.Value).toBe('true');
    expect(m?.MessageAttributes.symbol?.Value).toBe('AMZN');
    for (const other of ['pipeline_failure', 'data_quality', 'infrastructure']) {
      expect(await received(queues[other] as string)).toEqual([]);
    }
  });

  it('lets a filter policy on retrain select the retrain alerts only', async () => {
    const { topics, queues } = await topicsWithQueues({ retrain: ['true'] });
    const publisher = new SnsAlerts({ client: sns(), topics });
    const alert = {
      schema: 'stockops.alert/v1' as const,
      id: 'model_degradation.AMZN.x@2024-05-01T00:00:00.000Z',
      type: 'model_degradation' as const,
      incident: 'model_degradation.AMZN.x',
      severity: 'warning' as const,
      symbol: null,
      summary: 'no retrain',
      detail: '-',
      raised_at: '2024-05-01T00:00:00.000Z',
      env: 'dev',
      retrain: false,
    };
    await publisher.publish(alert);
    await publisher.publish({ ...alert, id: `${alert.id}-2`, retrain: true });
    const got = await received(queues.model_degradation as string);
    expect(got.map((m) => parseAlert(m.Message).id)).toEqual([`${alert.id}-2`]);
  });

  it('names the topic when publishing fails', async () => {
    const publisher = new SnsAlerts({
      client: sns(),
      topics: alertTopicsFromConfig('dev', {
        region,
        account_id: '123456789012',
      } as never),
    });
    await expect(
      publisher.publish({
        schema: 'stockops.alert/v1',
        id: 'x@t',
        type: 'infrastructure',
        incident: 'x',
        severity: 'warning',
        symbol: null,
        summary: 's',
        detail: 'd',
        raised_at: 't',
        env: 'dev',
        retrain: false,
      }),
    ).rejects.toThrow(
      /SNS publish of alert x@t to arn:aws:sns:us-east-1:123456789012:stockops-dev-infrastructure failed/,
    );
  });
});

describe('topic configuration', () => {
  it('reads one ARN per alert type from the environment and names what is missing', () => {
    const env = Object.fromEntries(ALERT_TYPES.map((t) => [topicEnvName(t), `arn:${t}`]));
    expect(alertTopicsFromEnv(env).data_quality).toBe('arn:data_quality');
    expect(() => alertTopicsFromEnv({ ...env, STOCKOPS_ALERT_TOPIC_INFRASTRUCTURE: '' })).toThrow(
      /set STOCKOPS_ALERT_TOPIC_INFRASTRUCTURE/,
    );
    expect(() => alertTopicsFromConfig('dev', { region } as never)).toThrow(/aws.account_id/);
  });

  it('keeps SNS subjects printable ASCII within 100 characters', () => {
    expect(snsSubject('a\nb — c')).toBe('a b - c');
    expect(snsSubject('x'.repeat(150))).toHaveLength(100);
  });
});

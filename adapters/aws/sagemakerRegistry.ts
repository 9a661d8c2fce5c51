import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  type ModelApprovalStatus,
  type SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { ApprovalStatus } from '../../core/ports/modelRegistry.ts';
import { isNotFound } from './awsClients.ts';

/**
 * Model packages in SageMaker Model Package Groups: what gate-promotion registers and
 * promote-model deploys. This is not an implementation of the ModelRegistry port: the port
 * stores artifact files and keeps a champion pointer, while a SageMaker package points at an
 * artifact already in S3 and has no pointer. Here the champion is the group's latest Approved
 * version, which is also what promote-model deploys by default.
 */
export interface SageMakerPackage {
  readonly arn: string;
  readonly group: string;
  readonly version: number;
  readonly status: ApprovalStatus;
  readonly approvalDescription: string;
  /** What it is and, for a registered package, why it got its first status. */
  readonly description: string;
  readonly image: string;
  readonly modelDataUrl: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface RegisterPackage {
  readonly group: string;
  readonly description: string;
  readonly image: string;
  readonly modelDataUrl: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly status: ApprovalStatus;
  readonly approvalDescription: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export class SageMakerModelPackages {
  readonly #client: SageMakerClient;

  constructor(client: SageMakerClient) {
    this.#client = client;
  }

  /** Creates the group unless it exists (the ml stack creates them; a new symbol may not have one yet). */
  async ensureGroup(group: string, description: string): Promise<'exists' | 'created'> {
    try {
      await this.#client.send(
        new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }),
      );
      return 'exists';
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.#client.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: group,
        ModelPackageGroupDescription: description,
      }),
    );
    return 'created';
  }

  /** Every version's ARN, version and status, ascending; [] for a group that does not exist. */
  async list(
    group: string,
    status?: ApprovalStatus,
  ): Promise<{ arn: string; version: number; status: ApprovalStatus }[]> {
    const out: { arn: string; version: number; status: ApprovalStatus }[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListModelPackagesCommand({
            ModelPackageGroupName: group,
            ...(status === undefined ? {} : { ModelApprovalStatus: status }),
            MaxResults: 100,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const s of page.ModelPackageSummaryList ?? []) {
          if (s.ModelPackageArn === undefined) continue;
          out.push({
            arn: s.ModelPackageArn,
            version: s.ModelPackageVersion ?? versionOf(s.ModelPackageArn),
            status: (s.ModelApprovalStatus ?? 'PendingManualApproval') as ApprovalStatus,
          });
        }
        token = page.NextToken;
      } while (token !== undefined);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return out.sort((a, b) => a.version - b.version);
  }

  async describe(arn: string): Promise<SageMakerPackage> {
    const p = await this.#client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const container = p.InferenceSpecification?.Containers?.[0];
    return {
      arn: p.ModelPackageArn ?? arn,
      group: p.ModelPackageGroupName ?? '',
      version: p.ModelPackageVersion ?? versionOf(arn),
      status: (p.ModelApprovalStatus ?? 'PendingManualApproval') as ApprovalStatus,
      approvalDescription: p.ApprovalDescription ?? '',
      description: p.ModelPackageDescription ?? '',
      image: container?.Image ?? '',
      modelDataUrl: container?.ModelDataUrl ?? '',
      environment: container?.Environment ?? {},
      metadata: p.CustomerMetadataProperties ?? {},
    };
  }

  /** The highest Approved version: the champion, and what promote-model deploys by default. */
  async latestApproved(group: string): Promise<SageMakerPackage | undefined> {
    const approved = await this.list(group, 'Approved');
    const last = approved.at(-1);
    return last === undefined ? undefined : this.describe(last.arn);
  }

  /** The versions whose metadata matches every given entry (re-runs find what they registered). */
  async find(group: string, match: Readonly<Record<string, string>>): Promise<SageMakerPackage[]> {
    const found: SageMakerPackage[] = [];
    for (const { arn } of await this.list(group)) {
      const pkg = await this.describe(arn);
      if (Object.entries(match).every(([k, v]) => pkg.metadata[k] === v)) found.push(pkg);
    }
    return found;
  }

  async register(input: RegisterPackage): Promise<SageMakerPackage> {
    const out = await this.#client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: input.group,
        // CreateModelPackage has no ApprovalDescription (only UpdateModelPackage does): the
        // reason for the initial status goes into the description, at most 1024 characters
        ModelPackageDescription: `${input.description}: ${input.approvalDescription}`.slice(
          0,
          1024,
        ),
        InferenceSpecification: {
          Containers: [
            {
              Image: input.image,
              ModelDataUrl: input.modelDataUrl,
              Environment: { ...input.environment },
            },
          ],
          SupportedContentTypes: ['text/csv', 'application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: input.status as ModelApprovalStatus,
        CustomerMetadataProperties: { ...input.metadata },
      }),
    );
    return this.describe(out.ModelPackageArn ?? '');
  }

  /**
   * Sets the approval status and says why. Only the approval fields are sent: SageMaker keeps
   * the rest of the package (moto does not; see the adapter test).
   */
  async updateApproval(arn: string, status: ApprovalStatus, description: string): Promise<void> {
    await this.#client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: status as ModelApprovalStatus,
        ApprovalDescription: description,
      }),
    );
  }
}

/** `arn:…:model-package/stockops-dev-amzn/3` → 3. */
function versionOf(arn: string): number {
  const n = Number(arn.split('/').at(-1));
  return Number.isInteger(n) ? n : 0;
}

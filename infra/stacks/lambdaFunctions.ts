import { fileURLToPath } from 'node:url';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { addStatements } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What every stockops Lambda shares: a TypeScript entry bundled by esbuild into one ESM file for
 * Node 24 on arm64. Class names stay, so resilience messages can name the AWS command
 * (`s3 PutObject`); ESM bundles need a require shim for the CommonJS dependencies they inline.
 */
export function bundledEntry(entry: string) {
  return {
    entry,
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      minify: true,
      keepNames: true,
      sourceMap: true,
      banner:
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    },
  } as const;
}

/**
 * A Lambda's own encrypted log group and its own role, not AWSLambdaBasicExecutionRole: the role
 * may write to that log group only; the caller adds what the function itself needs.
 */
export function lambdaRoleAndLogs(
  scope: Construct,
  ctx: StackContext,
  key: kms.Key,
  props: {
    readonly name: string;
    readonly logsId: string;
    readonly roleId: string;
    readonly description: string;
  },
): { readonly role: iam.Role; readonly logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, props.logsId, {
    logGroupName: `/aws/lambda/${resourceName(ctx, props.name)}`,
    retention: logs.RetentionDays.THREE_MONTHS,
    encryptionKey: key,
  });
  const role = new iam.Role(scope, props.roleId, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  addStatements(role, [
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${logGroup.logGroupArn}:*`],
    }),
  ]);
  return { role, logGroup };
}

#!/usr/bin/env node
// The CDK app: `npx cdk synth -c env=dev|staging|prod` (offline; no AWS account needed).
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../adapters/local/configFiles.ts';
import { APP_CONTEXT, buildStockopsApp } from './stockopsApp.ts';

const app = new App({ context: { ...APP_CONTEXT } });
const env = String(app.node.tryGetContext('env') ?? 'dev');
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined ? undefined : String(value);
};
const requirementsVersion = context('requirementsVersion');
const startupScriptVersion = context('startupScriptVersion');
const oidcProviderArn = context('oidcProviderArn');
buildStockopsApp(app, loadConfig({ dir: context('configDir') ?? 'config', env }), {
  ...(requirementsVersion ? { requirementsVersion } : {}),
  ...(startupScriptVersion ? { startupScriptVersion } : {}),
  ...(oidcProviderArn ? { oidcProviderArn } : {}),
});
app.synth();

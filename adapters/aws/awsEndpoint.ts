/** The environment variable of a service's own endpoint: `AWS_ENDPOINT_URL_S3`. */
export function serviceEndpointVariable(service: string): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * The custom endpoint the SDK (v3) will use for `service` (moto in tests, a VPC endpoint in a
 * private runner): the service's own variable, else `AWS_ENDPOINT_URL`.
 */
export function customEndpoint(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const own = env[serviceEndpointVariable(service)]?.trim();
  const global = env.AWS_ENDPOINT_URL?.trim();
  return own || global || undefined;
}

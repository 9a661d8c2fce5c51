import type { DispatchBody } from '../../core/monitor/retrainDispatch.ts';

export const GITHUB_API_URL = 'https://api.github.com';

/** GitHub refused or could not be reached; `status` is 0 when no answer came. */
export class GithubDispatchError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'GithubDispatchError';
    this.status = status;
  }
}

/** Worth another attempt: no answer (network, timeout), 429 or 5xx. 401/403/404/422 are not. */
export function isRetryableGithubError(error: unknown): boolean {
  if (!(error instanceof GithubDispatchError)) return false;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/**
 * POST {apiUrl}/repos/{owner}/{repo}/dispatches with a fine-grained token. GitHub answers 204
 * with no body; anything else is an error whose message says what to check.
 */
export async function sendRepositoryDispatch(input: {
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly body: DispatchBody;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** Aborts the request (the resilience policy's per-attempt timeout). */
  readonly signal?: AbortSignal;
}): Promise<void> {
  const url = `${input.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(input.owner)}/${encodeURIComponent(input.repo)}/dispatches`;
  let response: Response;
  try {
    response = await (input.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${input.token}`,
        'Content-Type': 'application/json',
        'User-Agent': 'stockops-dispatch',
        'X-GitHub-Api-Version': '2022-11-28',
      },
      body: JSON.stringify(input.body),
      signal: input.signal
        ? AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs ?? 10_000)])
        : AbortSignal.timeout(input.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new GithubDispatchError(0, `POST ${url} failed: ${(error as Error).message}`);
  }
  if (response.status === 204 || response.ok) return;
  const text = (await response.text()).slice(0, 500);
  const hint =
    response.status === 401
      ? 'the token is invalid or expired: rotate the secret'
      : response.status === 403 || response.status === 404
        ? 'the token lacks Contents: write on this repository, or the repository name is wrong'
        : response.status === 422
          ? 'GitHub refused the payload'
          : 'GitHub is unavailable; the invocation is retried';
  throw new GithubDispatchError(
    response.status,
    `POST ${url} answered HTTP ${response.status}: ${hint} (${text})`,
  );
}

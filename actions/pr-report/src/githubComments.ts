import { getOctokit } from '@actions/github';

export interface IssueComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
}

/** The three REST calls the report needs; tests run them against a local stub of the API. */
export interface PullRequestComments {
  list(): Promise<IssueComment[]>;
  create(body: string): Promise<IssueComment>;
  update(id: number, body: string): Promise<IssueComment>;
}

/**
 * Over @actions/github's Octokit, at GITHUB_API_URL (GitHub Enterprise Server, a test stub).
 * The base URL is read here, on each call: @actions/github reads it once, when first imported.
 */
export function octokitComments(
  token: string,
  target: { readonly owner: string; readonly repo: string; readonly issue: number },
  apiUrl: string = process.env.GITHUB_API_URL || 'https://api.github.com',
): PullRequestComments {
  const octokit = getOctokit(token, { baseUrl: apiUrl });
  const { owner, repo, issue } = target;
  const pick = (c: { id: number; body?: string | undefined; html_url: string }): IssueComment => ({
    id: c.id,
    body: c.body ?? '',
    url: c.html_url,
  });
  return {
    async list() {
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issue,
        per_page: 100,
      });
      return all.map(pick);
    },
    async create(body) {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issue,
        body,
      });
      return pick(data);
    },
    async update(id, body) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: id,
        body,
      });
      return pick(data);
    },
  };
}

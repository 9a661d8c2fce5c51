import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubComment {
  id: number;
  body: string;
  html_url: string;
}

export interface GitHubApiStub {
  /** `http://127.0.0.1:PORT`: the value for GITHUB_API_URL. */
  readonly url: string;
  /** Comments per issue number. */
  readonly comments: Map<number, StubComment[]>;
  /** Every request: method, path with query, and its Authorization header. */
  readonly requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A local stand-in for the three REST endpoints the pull-request report uses (list with Link
 * pagination, create, update issue comments), on 127.0.0.1, in the GitHub API's shapes.
 */
export async function startGitHubApiStub(owner: string, repo: string): Promise<GitHubApiStub> {
  const comments = new Map<number, StubComment[]>();
  const requests: GitHubApiStub['requests'] = [];
  let nextId = 1000;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const base = `/repos/${owner}/${repo}/issues`;
    const list = new RegExp(`^${base}/(\\d+)/comments$`).exec(url.pathname);
    const one = new RegExp(`^${base}/comments/(\\d+)$`).exec(url.pathname);
    if (list && req.method === 'GET') {
      const all = comments.get(Number(list[1])) ?? [];
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const headers: Record<string, string> = {};
      if (page < last) {
        const next = new URL(url.href);
        next.host = req.headers.host ?? '';
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return send(200, all.slice((page - 1) * perPage, page * perPage), headers);
    }
    if (list && req.method === 'POST') {
      const { body } = JSON.parse(await readBody(req)) as { body: string };
      const issue = Number(list[1]);
      const c = {
        id: nextId++,
        body,
        html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${nextId - 1}`,
      };
      comments.set(issue, [...(comments.get(issue) ?? []), c]);
      return send(201, c);
    }
    if (one && req.method === 'PATCH') {
      const { body } = JSON.parse(await readBody(req)) as { body: string };
      for (const all of comments.values()) {
        const c = all.find((x) => x.id === Number(one[1]));
        if (c) {
          c.body = body;
          return send(200, c);
        }
      }
      return send(404, { message: 'Not Found' });
    }
    send(404, { message: `stub: no route for ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

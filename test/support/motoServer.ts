import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where `.ci/run` installs moto (a project venv, `moto[server]` from PyPI). */
export const MOTO_SERVER = resolve('.venv/bin/moto_server');

export function motoMissing(path: string): string {
  return (
    `moto server not found at ${path}. The AWS adapter tests run against it over HTTP; create ` +
    "the venv with: python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.5' " +
    '(or .venv/bin/pip install -r requirements-dev.txt, as .ci/run does)'
  );
}

export interface MotoServer {
  /** `http://localhost:PORT` (not 127.0.0.1: some moto paths look for "localhost"). */
  readonly endpoint: string;
  /** Wipes every bucket and object (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p 0` and waits for the port it prints. Throws (never
 * skips) when the venv is missing, saying how to create it.
 */
export async function startMoto(
  options: { readonly server?: string; readonly timeoutMs?: number } = {},
): Promise<MotoServer> {
  const server = options.server ?? MOTO_SERVER;
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!existsSync(server)) throw new Error(motoMissing(server));
  const child: ChildProcess = spawn(server, ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`moto server printed no port within ${timeoutMs} ms: ${seen.slice(-500)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(
        new Error(`moto server exited with ${code} before printing its port: ${seen.slice(-500)}`),
      );
    });
  });
  const endpoint = `http://localhost:${port}`;
  return {
    endpoint,
    async reset() {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`moto reset answered HTTP ${r.status}`);
    },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

describe('FileObjectStore', () => {
  it('writes, reads and hashes objects', async () => {
    const store = new FileObjectStore(tempDir());
    const put = await store.put('raw/symbol=AMZN/a.csv', 'hello\n');
    expect(put).toEqual({
      key: 'raw/symbol=AMZN/a.csv',
      size: 6,
      sha256: sha256Hex(Buffer.from('hello\n')),
      written: true,
    });
    expect(Buffer.from((await store.get('raw/symbol=AMZN/a.csv')) ?? []).toString()).toBe(
      'hello\n',
    );
    expect(await store.head('raw/symbol=AMZN/a.csv')).toEqual({
      key: 'raw/symbol=AMZN/a.csv',
      size: 6,
      sha256: put.sha256,
    });
    expect(await store.get('nope/x')).toBeUndefined();
    expect(await store.head('nope/x')).toBeUndefined();
  });

  it('leaves identical bytes alone (idempotent, mtime kept) and replaces changed ones', async () => {
    const root = tempDir();
    const store = new FileObjectStore(root);
    await store.put('a/b.txt', 'one');
    const path = join(root, 'a', 'b.txt');
    const before = statSync(path).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect((await store.put('a/b.txt', 'one')).written).toBe(false);
    expect(statSync(path).mtimeMs).toBe(before);
    expect((await store.put('a/b.txt', new TextEncoder().encode('two'))).written).toBe(true);
    expect(Buffer.from((await store.get('a/b.txt')) ?? []).toString()).toBe('two');
    expect(readdirSync(join(root, 'a'))).toEqual(['b.txt']); // no temp files left behind
  });

  it('lists keys under a prefix, sorted, without temp files', async () => {
    const root = tempDir();
    const store = new FileObjectStore(root);
    await store.put('curated/symbol=B/x.csv', '1');
    await store.put('curated/symbol=A/y.csv', '2');
    await store.put('curated/symbol=A/x.csv', '3');
    await store.put('raw/z.csv', '4');
    writeFileSync(join(root, 'curated', 'symbol=A', 'x.csv.tmp-1-0'), 'partial');
    expect(await store.list('curated/symbol=A/')).toEqual([
      'curated/symbol=A/x.csv',
      'curated/symbol=A/y.csv',
    ]);
    expect(await store.list('curated/')).toHaveLength(3);
    expect(await store.list('curated/symbol=')).toHaveLength(3);
    expect(await store.list('')).toHaveLength(4);
    expect(await store.list('missing/')).toEqual([]);
  });

  it('deletes objects and ignores missing ones', async () => {
    const root = tempDir();
    const store = new FileObjectStore(root);
    await store.put('a/b', 'x');
    await store.delete('a/b');
    await store.delete('a/b');
    expect(existsSync(join(root, 'a', 'b'))).toBe(false);
  });

  it('rejects keys that could escape the root', async () => {
    const store = new FileObjectStore(tempDir());
    for (const key of ['../x', 'a/../../x', '/abs', 'a//b', '', 'a b']) {
      await expect(store.put(key, 'x')).rejects.toThrow(/invalid object key/);
    }
  });

  it('refuses to replace a directory and keeps what is stored', async () => {
    const root = tempDir();
    const store = new FileObjectStore(root);
    await store.put('d/x', 'y');
    await expect(store.put('d', 'z')).rejects.toThrow(/d is a directory, expected an object/);
    await expect(store.get('d')).rejects.toThrow(/is a directory/);
    expect(Buffer.from((await store.get('d/x')) ?? []).toString()).toBe('y');
  });

  it('reports a failed write with the path and leaves no temp file', async () => {
    const root = tempDir();
    const store = new FileObjectStore(root);
    await store.put('a/b', 'old');
    // a file where a directory should be: the write cannot happen
    await expect(store.put('a/b/c', 'new')).rejects.toThrow(/cannot write .*c/);
    expect(Buffer.from((await store.get('a/b')) ?? []).toString()).toBe('old');
    expect(readdirSync(join(root, 'a'))).toEqual(['b']);
  });
});

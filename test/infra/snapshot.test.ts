import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthEnv } from './synthApp.ts';

/** Asset hashes change with any source edit; the snapshot is about the resources. */
function normalise(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template)
      .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1')
      .replace(/"stockops [a-z]+ \([0-9a-f]{12}\)"/g, '"stockops <env> (<config-hash>)"'),
  );
}

describe('dev templates snapshot', () => {
  const { stacks } = synthEnv('dev');
  it.each(Object.keys(stacks))('%s', (name) => {
    const stack = stacks[name as keyof typeof stacks];
    expect(normalise(Template.fromStack(stack as never).toJSON())).toMatchSnapshot();
  });
});

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TASK_PARAMS, TASK_TYPES } from '../../core/orchestration/pipelineSpec.ts';

const schema = JSON.parse(readFileSync('dags/pipeline.schema.json', 'utf8'));

describe('dags/pipeline.schema.json', () => {
  it('accepts the repository specs', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    for (const name of ['daily', 'backfill']) {
      const ok = validate(parse(readFileSync(`dags/pipelines/${name}.yaml`, 'utf8')));
      expect(validate.errors ?? [], name).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('agrees with the parser on task types and parameters', () => {
    expect(schema.$defs.task.properties.type.enum).toEqual([...TASK_TYPES]);
    for (const type of TASK_TYPES) {
      const params = schema.$defs[`params_${type}`];
      expect(Object.keys(params.properties).sort(), type).toEqual(
        Object.keys(TASK_PARAMS[type]).sort(),
      );
      const required = Object.entries(TASK_PARAMS[type])
        .filter(([, r]) => r.required)
        .map(([k]) => k);
      expect(params.required ?? [], type).toEqual(required);
    }
  });

  it('describes every field', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const [key, value] of Object.entries((n.properties as object | undefined) ?? {})) {
        const v = value as Record<string, unknown>;
        if (v.description === undefined && v.$ref === undefined) missing.push(`${path}.${key}`);
        walk(v, `${path}.${key}`);
      }
      for (const [key, value] of Object.entries((n.$defs as object | undefined) ?? {}))
        walk(value, `$defs.${key}`);
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});

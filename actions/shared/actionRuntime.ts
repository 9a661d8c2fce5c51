import * as core from '@actions/core';

/**
 * A mistake the user can fix (a bad input, an invalid config or DAG spec), as opposed to a bug.
 * It is reported as one clear line, as an annotation at `file:line:col` when known, with no
 * stack trace.
 */
export class ConfigurationError extends Error {
  readonly location: AnnotationLocation | undefined;
  constructor(message: string, location?: AnnotationLocation) {
    super(message);
    this.name = 'ConfigurationError';
    this.location = location;
  }
}

export interface AnnotationLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** The part of @actions/core an action's failure path uses; tests pass a recorder. */
export interface FailureReporter {
  setFailed(message: string): void;
  error(message: string, properties?: core.AnnotationProperties): void;
  debug(message: string): void;
}

/**
 * The one failure path of every action: parse the inputs into a typed object, run, and on any
 * error call `setFailed` once (never `process.exit`, so the runner sees outputs written so far).
 */
export async function runAction<I>(
  parse: () => I,
  run: (inputs: I) => Promise<void>,
  reporter: FailureReporter = core,
): Promise<void> {
  try {
    await run(parse());
  } catch (error) {
    if (error instanceof ConfigurationError) {
      if (error.location) reporter.error(error.message, annotationProperties(error.location));
      reporter.setFailed(error.message);
      return;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    if (e.stack) reporter.debug(e.stack);
    reporter.setFailed(`${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
  }
}

export function annotationProperties(at: AnnotationLocation): core.AnnotationProperties {
  return {
    file: at.file,
    ...(at.line === undefined ? {} : { startLine: at.line }),
    ...(at.column === undefined ? {} : { startColumn: at.column }),
  };
}

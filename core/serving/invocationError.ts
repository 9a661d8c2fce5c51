/**
 * A request the server refuses, with the HTTP status it maps to and a message that names the
 * problem (the field, line or header) so the caller can fix the request.
 */
export class InvocationError extends Error {
  readonly status: 400 | 404 | 405 | 406 | 413 | 415 | 503;

  constructor(status: InvocationError['status'], message: string) {
    super(message);
    this.name = 'InvocationError';
    this.status = status;
  }
}

/** The media types /invocations reads and writes. */
export const JSON_TYPE = 'application/json';
export const CSV_TYPE = 'text/csv';
export type MediaType = typeof JSON_TYPE | typeof CSV_TYPE;

/** `application/json; charset=utf-8` → `application/json`; undefined when absent or blank. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  const type = header?.split(';', 1)[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** The request's Content-Type as one we read; 415 naming the accepted types otherwise. */
export function requestMediaType(header: string | undefined): MediaType {
  const type = mediaTypeOf(header);
  if (type === JSON_TYPE || type === CSV_TYPE) return type;
  throw new InvocationError(
    415,
    type === undefined
      ? `Content-Type is missing: send ${JSON_TYPE} or ${CSV_TYPE}`
      : `Content-Type ${type} is not supported: send ${JSON_TYPE} or ${CSV_TYPE}`,
  );
}

/**
 * The response type from Accept: the first listed type we write, or the request's own type for
 * a missing Accept or a wildcard (Batch Transform's "same content type"); 406 otherwise.
 */
export function responseMediaType(accept: string | undefined, request: MediaType): MediaType {
  if (accept === undefined || accept.trim() === '') return request;
  for (const part of accept.split(',')) {
    const type = mediaTypeOf(part);
    if (type === JSON_TYPE || type === CSV_TYPE) return type;
    if (type === '*/*') return request;
    if (type === 'text/*') return CSV_TYPE;
    if (type === 'application/*') return JSON_TYPE;
  }
  throw new InvocationError(
    406,
    `Accept ${accept} cannot be met: accept ${JSON_TYPE} or ${CSV_TYPE}`,
  );
}

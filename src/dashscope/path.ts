/**
 * A template tag that builds request paths with every interpolated value URL-encoded as one segment,
 * like openai-node's `path` helper: ``path`/api/v1/fine-tunes/${jobId}/cancel` ``.
 */

/** Thrown when a path parameter could never name a resource (empty, `.` or `..`). */
export class InvalidPathParameterError extends TypeError {
  override readonly name = 'InvalidPathParameterError';
}

/** Encodes each `${value}` with encodeURIComponent; rejects empty, `.` and `..` values. */
export function path(statics: TemplateStringsArray, ...params: Array<string | number>): string {
  let out = statics[0] ?? '';
  params.forEach((param, i) => {
    const value = String(param);
    if (value === '' || value === '.' || value === '..') {
      throw new InvalidPathParameterError(`path parameter ${i + 1} must be a non-empty id, got ${JSON.stringify(value)} in ${statics.join('{}')}`);
    }
    out += encodeURIComponent(value) + (statics[i + 1] ?? '');
  });
  return out;
}

import type { DatasetKind, DatasetProblem } from './types';

/** A data.jsonl line that has every field it needs, as strings. */
export interface SampleLine {
  line: number;
  prompt: string;
  firstFramePath: string;
  lastFramePath?: string;
  videoPath?: string;
}

/** Path fields of a line, with whether each is an image or a video. */
export const PATH_FIELDS = [
  ['first_frame_path', 'image'],
  ['last_frame_path', 'image'],
  ['video_path', 'video'],
] as const;

/** The fields a line must have for a mode and kind. */
export function requiredFields(mode: 'i2v' | 'kf2v', kind: DatasetKind): string[] {
  return [
    'prompt',
    'first_frame_path',
    ...(mode === 'kf2v' ? ['last_frame_path'] : []),
    ...(kind === 'training' ? ['video_path'] : []),
  ];
}

/**
 * Checks one parsed line: a JSON object with the required string fields and none that belong to another
 * mode or kind. Returns the sample, or undefined with problems pushed.
 */
export function checkLine(
  value: unknown,
  line: number,
  mode: 'i2v' | 'kf2v',
  kind: DatasetKind,
  problems: DatasetProblem[],
): SampleLine | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ rule: 'line-object', line, message: `line ${line} must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}` });
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  let ok = true;
  for (const field of requiredFields(mode, kind)) {
    const v = obj[field];
    if (v === undefined) {
      problems.push({ rule: 'required-field', line, field, message: `line ${line}: "${field}" is missing` });
      ok = false;
    } else if (typeof v !== 'string') {
      problems.push({ rule: 'field-type', line, field, message: `line ${line}: "${field}" must be a string, got ${v === null ? 'null' : typeof v}` });
      ok = false;
    } else if (v.trim() === '') {
      problems.push({ rule: 'field-empty', line, field, message: `line ${line}: "${field}" is empty` });
      ok = false;
    }
  }
  if (kind === 'validation' && obj.video_path !== undefined) {
    problems.push({ rule: 'unexpected-field', line, field: 'video_path', message: `line ${line}: validation lines have no "video_path"` });
    ok = false;
  }
  if (mode === 'i2v' && obj.last_frame_path !== undefined) {
    problems.push({
      rule: 'unexpected-field',
      line,
      field: 'last_frame_path',
      message: `line ${line}: "last_frame_path" is only for first-and-last-frame (kf2v) models`,
    });
    ok = false;
  }
  if (!ok) return undefined;
  return {
    line,
    prompt: obj.prompt as string,
    firstFramePath: obj.first_frame_path as string,
    ...(mode === 'kf2v' ? { lastFramePath: obj.last_frame_path as string } : {}),
    ...(kind === 'training' ? { videoPath: obj.video_path as string } : {}),
  };
}

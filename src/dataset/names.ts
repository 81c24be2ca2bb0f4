/**
 * Name rules for paths inside a dataset zip.
 * The docs allow only English letters, digits, `_` and `-` in file names; we also allow the extension dot
 * and `/` between folders.
 */

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const FILE_SEGMENT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9]+$/;

/** Why an entry path is unsafe to treat as relative (absolute, drive letter, `..`, backslash, NUL), or undefined. */
export function unsafePathReason(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split('/').includes('..')) return 'contains a ".." segment';
  return undefined;
}

/** True if `p` is a file path made only of allowed characters: folders `[A-Za-z0-9_-]+`, then `name.ext`. */
export function isAllowedDatasetPath(p: string): boolean {
  const parts = p.split('/');
  const file = parts.pop() as string;
  return parts.every((s) => SEGMENT.test(s)) && FILE_SEGMENT.test(file);
}

/** Lower-case extension without the dot ('' when none). */
export function extensionOf(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

import type yauzl from 'yauzl';
import type { ModelSpec } from '../catalog';
import { EntryReader } from './entryReader';
import { EXTENSIONS, SNIFF_BYTES, detectFormat, isImageFormat, type MediaFormat } from './media/format';
import { readImageDimensions } from './media/image';
import { readVideoInfo } from './media/isobmff';
import { MediaFormatError } from './media/reader';
import { extensionOf } from './names';
import type { DatasetProblem } from './types';
import type { ZipEntryInfo } from './zip';

/** Largest width or height of any image or video (docs: 4096×4096). */
export const MAX_DIMENSION = 4096;
/** A compressed media entry claiming more than this when inflated is refused unread. */
export const MAX_INFLATED_MEDIA_BYTES = 1024 ** 3;

/** What a referenced file turned out to be. */
export interface MediaCheck {
  problems: Omit<DatasetProblem, 'line' | 'field'>[];
  format?: MediaFormat;
  /** Video duration in seconds, when it is a readable video. */
  seconds?: number;
}

const IMAGE_NAMES = 'BMP, JPEG, PNG or WEBP';
const VIDEO_NAMES = 'MP4 or MOV';

/**
 * Checks one file of the zip by reading only its first bytes and, for videos, its `moov` box:
 * format by magic bytes (and extension agreement), width/height ≤ 4096, video duration within the model's limits.
 */
export async function checkMediaEntry(
  zip: yauzl.ZipFile,
  entry: ZipEntryInfo,
  expected: 'image' | 'video',
  model: ModelSpec,
): Promise<MediaCheck> {
  const file = entry.name;
  const problems: MediaCheck['problems'] = [];
  if (entry.encrypted) return { problems: [{ rule: 'encrypted-entry', file, message: `${file} is encrypted` }] };
  if (entry.compressed && entry.uncompressedSize > MAX_INFLATED_MEDIA_BYTES) {
    return { problems: [{ rule: 'entry-too-large', file, message: `${file} claims ${entry.uncompressedSize} bytes uncompressed; refusing to inflate it` }] };
  }
  const reader = new EntryReader(zip, entry);
  try {
    const format = detectFormat(await reader.read(0, SNIFF_BYTES));
    const wanted = expected === 'image' ? IMAGE_NAMES : VIDEO_NAMES;
    if (!format || isImageFormat(format) !== (expected === 'image')) {
      const what = format ? `a ${format.toUpperCase()} file` : 'not a recognised image or video';
      problems.push({ rule: `${expected}-format`, file, message: `${file} must be ${wanted}, but its content is ${what}` });
      return { problems };
    }
    const ext = extensionOf(file);
    if (!EXTENSIONS[format].includes(ext)) {
      problems.push({ rule: 'extension-mismatch', file, message: `${file} holds ${format.toUpperCase()} data but its extension is ".${ext}"` });
    }
    let size: { width: number; height: number };
    let seconds: number | undefined;
    if (isImageFormat(format)) {
      size = await readImageDimensions(reader, format);
    } else {
      const info = await readVideoInfo(reader);
      size = info;
      seconds = info.seconds;
      const s = Math.round(info.seconds * 1000) / 1000;
      if (info.seconds > model.maxVideoSeconds + 1e-3) {
        problems.push({ rule: 'video-duration', file, message: `${file} lasts ${s} s; ${model.id} accepts at most ${model.maxVideoSeconds} s` });
      } else if (info.seconds < model.minVideoSeconds - 1e-3) {
        problems.push({ rule: 'video-duration', file, message: `${file} lasts ${s} s; ${model.id} needs at least ${model.minVideoSeconds} s` });
      }
    }
    if (size.width > MAX_DIMENSION || size.height > MAX_DIMENSION || size.width < 1 || size.height < 1) {
      problems.push({
        rule: 'dimensions',
        file,
        message: `${file} is ${size.width}×${size.height}; width and height must be between 1 and ${MAX_DIMENSION}`,
      });
    }
    return { problems, format, ...(seconds !== undefined ? { seconds } : {}) };
  } catch (err) {
    const rule = err instanceof MediaFormatError ? `${expected}-unreadable` : 'entry-corrupt';
    problems.push({ rule, file, message: `${file} cannot be read: ${(err as Error).message}` });
    return { problems };
  } finally {
    reader.close();
  }
}

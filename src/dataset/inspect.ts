import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getModel, totalBillableSeconds, type ModelId } from '../catalog';
import { readJsonl } from './jsonl';
import { checkLine, type SampleLine } from './lineRules';
import { checkMediaEntry, type MediaCheck } from './mediaCheck';
import { isAllowedDatasetPath, unsafePathReason } from './names';
import { sha256File } from './sha256';
import type { DatasetKind, DatasetProblem, DatasetReport } from './types';
import { listZip, openEntry, type ZipListing } from './zip';

/** Options of inspectDataset. */
export interface InspectOptions {
  model: ModelId | string;
  kind: DatasetKind;
}

/** Largest zip accepted through the API (1 GB). */
export const MAX_ZIP_BYTES = 1024 ** 3;
/** Largest data.jsonl (20 MB). */
export const MAX_JSONL_BYTES = 20 * 1024 * 1024;
/** Fewest training samples. */
export const MIN_TRAINING_SAMPLES = 10;
/** Problems beyond this many are summarised in one last problem. */
export const MAX_REPORTED_PROBLEMS = 500;
const MEDIA_CONCURRENCY = 4;

/**
 * Inspects a dataset zip without extracting it: reads the central directory, streams data.jsonl,
 * and reads only the first bytes (and a video's `moov`) of each referenced file. The sha256 of the zip
 * is computed at the same time from a sequential read. Never throws for a bad zip: every finding is a problem.
 */
export async function inspectDataset(zipPath: string, options: InspectOptions): Promise<DatasetReport> {
  const model = getModel(options.model);
  const { size: bytes } = await fs.stat(zipPath);
  const hashing = sha256File(zipPath);
  const problems: DatasetProblem[] = [];
  if (bytes > MAX_ZIP_BYTES) {
    problems.push({ rule: 'zip-size', message: `the zip is ${bytes} bytes; at most ${MAX_ZIP_BYTES} (1 GB) can be uploaded` });
  }
  const found = await inspectContents(zipPath, model.mode, options.kind, model, problems);
  const stats = {
    samples: found.samples,
    videoSeconds: found.videoSeconds,
    billableSeconds: totalBillableSeconds(model, found.videoSeconds),
  };
  return { ok: problems.length === 0, problems: capProblems(problems), stats, sha256: await hashing, bytes, filename: path.basename(zipPath) };
}

function capProblems(problems: DatasetProblem[]): DatasetProblem[] {
  if (problems.length <= MAX_REPORTED_PROBLEMS) return problems;
  const kept = problems.slice(0, MAX_REPORTED_PROBLEMS);
  kept.push({ rule: 'more-problems', message: `… and ${problems.length - MAX_REPORTED_PROBLEMS} more problems` });
  return kept;
}

async function inspectContents(
  zipPath: string,
  mode: 'i2v' | 'kf2v',
  kind: DatasetKind,
  model: ReturnType<typeof getModel>,
  problems: DatasetProblem[],
): Promise<{ samples: number; videoSeconds: number[] }> {
  const none = { samples: 0, videoSeconds: [] };
  let listing: ZipListing;
  try {
    listing = await listZip(zipPath);
  } catch (err) {
    problems.push({ rule: 'zip-unreadable', message: `not a readable zip: ${(err as Error).message}` });
    return none;
  }
  const { zip, entries } = listing;
  try {
    for (const p of listing.problems) problems.push({ ...p });
    for (const name of entries.keys()) {
      const reason = unsafePathReason(name);
      if (reason) problems.push({ rule: 'unsafe-path', file: name, message: `entry "${name}" ${reason}` });
    }
    const lines = await readDataJsonl(listing, problems);
    if (!lines) return none;

    const samples: SampleLine[] = [];
    for (const l of lines) {
      if ('error' in l) problems.push({ rule: l.error === 'encoding' ? 'line-encoding' : 'line-json', line: l.line, message: `line ${l.line}: ${l.message}` });
      else {
        const s = checkLine(l.value, l.line, mode, kind, problems);
        if (s) samples.push(s);
      }
    }
    const count = lines.length;
    const minimum = kind === 'training' ? MIN_TRAINING_SAMPLES : 1;
    if (count < minimum) {
      problems.push({ rule: 'min-samples', message: `data.jsonl has ${count} samples; a ${kind} set needs at least ${minimum}` });
    }

    const checks = await checkReferencedFiles(listing, samples, model, problems);
    const videoSeconds: number[] = [];
    for (const s of samples) {
      const seconds = s.videoPath ? checks.get(s.videoPath)?.seconds : undefined;
      if (seconds !== undefined) videoSeconds.push(seconds);
    }
    return { samples: count, videoSeconds };
  } finally {
    zip.close();
  }
}

async function readDataJsonl(listing: ZipListing, problems: DatasetProblem[]) {
  const entry = listing.entries.get('data.jsonl');
  if (!entry) {
    const elsewhere = [...listing.entries.keys()].find((n) => n.endsWith('/data.jsonl'));
    problems.push({
      rule: 'missing-data-jsonl',
      file: 'data.jsonl',
      message: elsewhere ? `data.jsonl must be at the zip root, found "${elsewhere}" instead` : 'the zip has no data.jsonl at its root',
    });
    return undefined;
  }
  if (entry.uncompressedSize > MAX_JSONL_BYTES) {
    problems.push({ rule: 'data-jsonl-size', file: 'data.jsonl', message: `data.jsonl is ${entry.uncompressedSize} bytes; at most ${MAX_JSONL_BYTES} (20 MB)` });
    return undefined;
  }
  if (entry.encrypted) {
    problems.push({ rule: 'encrypted-entry', file: 'data.jsonl', message: 'data.jsonl is encrypted' });
    return undefined;
  }
  try {
    const result = await readJsonl(await openEntry(listing.zip, entry), MAX_JSONL_BYTES);
    if (result.tooLarge) {
      problems.push({ rule: 'data-jsonl-size', file: 'data.jsonl', message: `data.jsonl inflates to more than ${MAX_JSONL_BYTES} bytes (20 MB)` });
      return undefined;
    }
    return result.lines;
  } catch (err) {
    problems.push({ rule: 'entry-corrupt', file: 'data.jsonl', message: `data.jsonl cannot be read: ${(err as Error).message}` });
    return undefined;
  }
}

/** Checks each distinct referenced path once (first referencing line named in its problems). */
async function checkReferencedFiles(
  listing: ZipListing,
  samples: SampleLine[],
  model: ReturnType<typeof getModel>,
  problems: DatasetProblem[],
): Promise<Map<string, MediaCheck>> {
  const refs = new Map<string, { line: number; field: string; kind: 'image' | 'video' }>();
  for (const s of samples) {
    const fields: [string, string | undefined, 'image' | 'video'][] = [
      ['first_frame_path', s.firstFramePath, 'image'],
      ['last_frame_path', s.lastFramePath, 'image'],
      ['video_path', s.videoPath, 'video'],
    ];
    for (const [field, p, kind] of fields) {
      if (p === undefined) continue;
      const seen = refs.get(p);
      if (!seen) refs.set(p, { line: s.line, field, kind });
      else if (seen.kind !== kind) {
        problems.push({ rule: 'path-reuse', line: s.line, field, file: p, message: `line ${s.line}: "${p}" is used both as an image and as a video` });
      }
    }
  }
  const results = new Map<string, MediaCheck>();
  const todo: [string, { line: number; field: string; kind: 'image' | 'video' }][] = [];
  for (const [p, ref] of refs) {
    const at = { line: ref.line, field: ref.field, file: p };
    const unsafe = unsafePathReason(p);
    if (unsafe) {
      problems.push({ rule: 'unsafe-path', ...at, message: `line ${ref.line}: ${ref.field} "${p}" ${unsafe}` });
      continue;
    }
    if (!isAllowedDatasetPath(p)) {
      problems.push({
        rule: 'file-name',
        ...at,
        message: `line ${ref.line}: ${ref.field} "${p}" may use only English letters, digits, "_" and "-" (plus one extension dot and "/" between folders)`,
      });
    }
    if (!listing.entries.has(p)) {
      problems.push({ rule: 'missing-file', ...at, message: `line ${ref.line}: ${ref.field} "${p}" is not in the zip` });
      continue;
    }
    todo.push([p, ref]);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const [p, ref] = todo[next++];
      const check = await checkMediaEntry(listing.zip, listing.entries.get(p)!, ref.kind, model);
      results.set(p, check);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MEDIA_CONCURRENCY, todo.length) }, worker));
  for (const [p, ref] of todo) {
    for (const prob of results.get(p)!.problems) {
      problems.push({ ...prob, line: ref.line, field: ref.field, message: `line ${ref.line}: ${prob.message}` });
    }
  }
  return results;
}

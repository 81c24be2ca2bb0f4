/** Dataset zip inspection, sha256 and the sample generator. */
export * from './sample';
export * from './sha256';

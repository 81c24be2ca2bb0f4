/** Base of the per-area resource classes. */
import type { DashScope } from './client';

/** A resource holds the client whose `request` it calls. */
export abstract class APIResource {
  constructor(protected readonly client: DashScope) {}
}

/** Native API prefix. */
export const API_V1 = '/api/v1';
/** OpenAI-compatible API prefix. */
export const COMPATIBLE_V1 = '/compatible-mode/v1';

/** A bad setting: the message names every bad variable (or flag, or config-file key) and its rule, never a value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

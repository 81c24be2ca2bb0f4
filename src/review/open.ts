import { spawn } from 'node:child_process';

/**
 * Opens `url` in the desktop's browser, without waiting for it: detached, no stdio, errors ignored, so a machine
 * without a desktop (or without xdg-open) never hangs or fails. Returns false when there is no desktop to open on.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/**
 * The local stack's ports: a port that something else holds is named with the setting that
 * moves it, before anything starts, so `npm run dev` / `npm run demo` fail at once instead of
 * half-starting.
 */
import { connect } from 'node:net';
import { isSet, readSetting, type Env, type SettingName } from '../config';

/** A port the local stack needs is taken: the message names the port and the setting to change. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly address: string,
    readonly setting: SettingName,
    what: string,
    hint = '',
  ) {
    super(`${address} (${what}) is already in use: set ${setting} to a free port, or stop whatever holds it${hint}`);
  }
}

/** Whether something accepts connections at host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Throws PortInUseError when host:port is taken. Port 0 (any free port) is always free. */
export async function requireFreePort(
  host: string,
  port: number,
  setting: SettingName,
  what: string,
  hint?: string,
): Promise<void> {
  if (port !== 0 && (await portOpen(host, port))) throw new PortInUseError(`${host}:${port}`, setting, what, hint);
}

/** A listen() that failed because the port is taken (another process got there first). */
export function isAddressInUse(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'EADDRINUSE';
}

/**
 * The ports the local stack would open, checked before anything is loaded or started: the
 * Temporal dev server's two (unless TEMPORAL_ADDRESS names a server) and the simulator's
 * (unless GLPI_URL names a GLPI). The first one taken throws PortInUseError.
 */
export async function checkStackPorts(env: Env): Promise<void> {
  const host = '127.0.0.1';
  if (!isSet('TEMPORAL_ADDRESS', env)) {
    const port = readSetting('TEMPORAL_DEV_PORT', env);
    await requireFreePort(
      host,
      port,
      'TEMPORAL_DEV_PORT',
      'the Temporal dev server’s gRPC port',
      ` (if a Temporal server runs there, set TEMPORAL_ADDRESS=${host}:${port} to use it)`,
    );
    await requireFreePort(
      host,
      readSetting('TEMPORAL_DEV_UI_PORT', env),
      'TEMPORAL_DEV_UI_PORT',
      'the Temporal dev server’s web UI',
    );
  }
  if (!isSet('GLPI_URL', env)) {
    await requireFreePort(host, readSetting('GLPI_SIM_PORT', env), 'GLPI_SIM_PORT', 'the GLPI simulator');
  }
}

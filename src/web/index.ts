/**
 * Starting the web page: the database client, the Temporal link for live progress, the app
 * listening on its address. `npm run web` and `npm run demo` start it through here.
 */
import { createDb } from '../db/client';
import { hostTimezone, loadConfig, readSetting, type Env, environment, type ServiceConfig } from '../config';
import { glpiWebBase } from '../reports/glpi-links';
import { loadWebAuth, type WebAuth } from './auth';
import { temporalLiveSource, type LiveSource } from './live';
import { buildWebApp } from './server';

export { buildWebApp, type WebDeps } from './server';
export { loadWebAuth, type WebAuth } from './auth';
export { temporalLiveSource, type LiveSource, type LiveState } from './live';

export interface RunningWeb {
  /** http://host:port (the port the server really got, for WEB_PORT=0). */
  url: string;
  close(): Promise<void>;
}

/** Connections the page keeps to PostgreSQL; a page runs a handful of queries at once. */
const POOL_SIZE = 8;

export interface WebOptions {
  config?: ServiceConfig;
  env?: Env;
  host?: string;
  port?: number;
  auth?: WebAuth;
  live?: LiveSource;
  log?: (line: string) => void;
}

export async function startWebServer(options: WebOptions = {}): Promise<RunningWeb> {
  const env = options.env ?? environment();
  const config = options.config ?? loadConfig(env);
  const host = options.host ?? readSetting('WEB_HOST', env);
  const port = options.port ?? readSetting('WEB_PORT', env);
  const auth = options.auth ?? loadWebAuth(env);
  const glpiBase = glpiWebBase(env);
  const db = createDb(config.databaseUrl, { poolSize: POOL_SIZE, connectTimeoutMs: 5_000 });
  const live = options.live ?? temporalLiveSource(config);
  const app = await buildWebApp({
    db,
    live,
    auth,
    links: { glpiBase, defaultItemtype: readSetting('GLPI_ITEMTYPES', env).split(',')[0] },
    timeZone: config.schedule.timezone || hostTimezone(),
    log: options.log,
  });
  const address = await app.listen({ host, port });
  const url = new URL(address);
  // A wildcard bind is reached through loopback from here.
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  return {
    url: url.toString().replace(/\/$/, ''),
    close: async () => {
      await app.close();
      await live.close();
      await db.$disconnect();
    },
  };
}

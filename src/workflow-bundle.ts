/**
 * The prebuilt workflow bundle of the production worker (`npm run build`, `npm start`).
 *
 * `npm run build` compiles src/ to lib/ and bundles the workflows once, with webpack, into
 * lib/bundle/workflows.js; next to it, lib/bundle/manifest.json records a hash of every file
 * of src/ the build was made from, of the bundle itself, and which sources went into the
 * bundle. The compiled worker loads that bundle instead of running webpack at every start, and
 * refuses it when src/ no longer matches the manifest (an edit or a `git pull` without
 * `npm run build`): a worker must never run workflow code other than the code in the tree.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** The project root: this file is src/workflow-bundle.ts, or lib/workflow-bundle.js once built. */
export const PROJECT_ROOT = join(__dirname, '..');
export const SOURCE_DIR = join(PROJECT_ROOT, 'src');
export const BUNDLE_DIR = join(PROJECT_ROOT, 'lib', 'bundle');
export const BUNDLE_PATH = join(BUNDLE_DIR, 'workflows.js');
export const MANIFEST_PATH = join(BUNDLE_DIR, 'manifest.json');
const MANIFEST_VERSION = 1;

export interface BundleManifest {
  version: number;
  builtAt: string;
  /** The @temporalio/workflow the bundle embeds: a worker of another SDK version must not load it. */
  temporalWorkflowVersion: string;
  /** sha256 of lib/bundle/workflows.js. */
  bundleSha256: string;
  /** The project files webpack put into the bundle, relative to the project root. */
  workflowInputs: string[];
  /** sha256 of every file under src/ when the build ran (relative paths, `/`-separated). */
  sources: Record<string, string>;
}

/** The build in lib/ does not match the tree it runs in (commands exit with the configuration code). */
export class StaleBuildError extends Error {
  override readonly name = 'StaleBuildError';
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function relativePath(path: string, root = PROJECT_ROOT): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * Every file under src/, hashed (the generated Prisma client included: lib/ compiles it too),
 * keyed by its path from the directory above (`src/worker.ts`).
 */
export function hashSources(dir: string = SOURCE_DIR): Record<string, string> {
  const hashes: Record<string, string> = {};
  const root = dirname(dir);
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hashes[relativePath(path, root)] = sha256(readFileSync(path));
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b)));
}

function temporalWorkflowVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** webpack's report would fill the log at INFO: only its warnings and errors are shown. */
export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

interface WebpackModuleLike {
  resource?: string;
}
interface WebpackCompilerLike {
  hooks: {
    done: { tap(name: string, fn: (stats: { compilation: { modules: Iterable<WebpackModuleLike> } }) => void): void };
  };
}

/** Bundles the workflows from src/ and writes the bundle and its manifest into lib/bundle/. */
export async function buildWorkflowBundle(): Promise<BundleManifest> {
  const sources = hashSources();
  const inputs = new Set<string>();
  const bundle = await bundleWorkflowCode({
    workflowsPath: join(SOURCE_DIR, 'workflows', 'index.ts'),
    logger: quietBundlerLogger,
    webpackConfigHook: (config) => {
      // Records which project files webpack read: the manifest names them.
      const recordInputs = {
        apply(compiler: WebpackCompilerLike) {
          compiler.hooks.done.tap('glpi-device-check-inputs', (stats) => {
            for (const module of stats.compilation.modules) {
              const resource = module.resource?.split('?')[0];
              if (
                resource?.startsWith(PROJECT_ROOT) &&
                !resource.includes(`${sep}node_modules${sep}`) &&
                existsSync(resource) // not webpack's generated entry point
              )
                inputs.add(relativePath(resource));
            }
          });
        },
      };
      return { ...config, plugins: [...(config.plugins ?? []), recordInputs as never] };
    },
  });
  // Bundled sources must still be the hashed ones (an edit while webpack ran would slip through).
  if (JSON.stringify(hashSources()) !== JSON.stringify(sources))
    throw new Error('src/ changed while the bundle was being built: run npm run build again');
  mkdirSync(BUNDLE_DIR, { recursive: true });
  writeFileSync(BUNDLE_PATH, bundle.code);
  const manifest: BundleManifest = {
    version: MANIFEST_VERSION,
    builtAt: new Date().toISOString(),
    temporalWorkflowVersion: temporalWorkflowVersion(),
    bundleSha256: sha256(bundle.code),
    workflowInputs: [...inputs].sort(),
    sources,
  };
  writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** What differs between the sources now and the ones a build was made from. */
export function sourceDifferences(built: Record<string, string>, now: Record<string, string>): string[] {
  const changed = Object.keys(now).filter((path) => path in built && built[path] !== now[path]);
  const added = Object.keys(now).filter((path) => !(path in built));
  const removed = Object.keys(built).filter((path) => !(path in now));
  return [
    ...changed.map((path) => `${path} changed`),
    ...added.map((path) => `${path} is new`),
    ...removed.map((path) => `${path} was removed`),
  ];
}

function readManifest(manifestPath: string): BundleManifest {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new StaleBuildError(
      `cannot read the workflow bundle's manifest ${relativePath(manifestPath)} (${(error as Error).message.split('\n')[0]}): run npm run build`,
    );
  }
  if (manifest.version !== MANIFEST_VERSION || typeof manifest.sources !== 'object')
    throw new StaleBuildError(`${relativePath(manifestPath)} is from another version of the build: run npm run build`);
  return manifest;
}

export interface VerifiedBundle {
  codePath: string;
  manifest: BundleManifest;
  /** False when the deployment carries no src/ (lib/ alone): only the bundle's own hash was checked. */
  sourcesChecked: boolean;
}

/**
 * The prebuilt bundle, if it matches the tree: its own hash, the SDK version it embeds and,
 * where src/ is present, every source file. Otherwise a StaleBuildError that names what differs.
 */
export function verifiedWorkflowBundle(
  paths: { bundle: string; manifest: string; sources: string } = {
    bundle: BUNDLE_PATH,
    manifest: MANIFEST_PATH,
    sources: SOURCE_DIR,
  },
): VerifiedBundle {
  if (!existsSync(paths.bundle) || !existsSync(paths.manifest))
    throw new StaleBuildError(
      `no prebuilt workflow bundle at ${relativePath(paths.bundle)}: run npm run build (npm run worker runs from the sources)`,
    );
  const manifest = readManifest(paths.manifest);
  if (sha256(readFileSync(paths.bundle)) !== manifest.bundleSha256)
    throw new StaleBuildError(
      `${relativePath(paths.bundle)} is not the bundle ${relativePath(paths.manifest)} describes: run npm run build`,
    );
  const sdk = temporalWorkflowVersion();
  if (manifest.temporalWorkflowVersion !== sdk)
    throw new StaleBuildError(
      `the workflow bundle embeds @temporalio/workflow ${manifest.temporalWorkflowVersion}, node_modules has ${sdk}: run npm run build`,
    );
  if (!existsSync(paths.sources)) return { codePath: paths.bundle, manifest, sourcesChecked: false };
  const differences = sourceDifferences(manifest.sources, hashSources(paths.sources));
  if (differences.length > 0) {
    const shown = differences.slice(0, 3).join(', ');
    const more = differences.length > 3 ? ` and ${differences.length - 3} more` : '';
    throw new StaleBuildError(
      `the build in lib/ was made from other sources (${shown}${more} since ${manifest.builtAt}): run npm run build`,
    );
  }
  return { codePath: paths.bundle, manifest, sourcesChecked: true };
}

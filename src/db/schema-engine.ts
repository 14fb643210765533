/**
 * Prisma's schema engine, in its WebAssembly build, driven through the pg driver adapter.
 *
 * Why: the native schema engine that `prisma migrate` uses is downloaded at install time
 * from Prisma's binary host, which our machines cannot reach. The WebAssembly build of the
 * same engine ships inside an npm package and applies the very same `prisma/migrations`
 * folder, recording them in `_prisma_migrations` exactly like `prisma migrate deploy`.
 * Users who do have the native engine can keep using `prisma migrate deploy` on that folder.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

export const PRISMA_DIR = join(__dirname, '..', '..', 'prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

// Node has WebAssembly, but the ES lib typings we compile against do not describe it.
type WasmExports = Record<string, unknown>;
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: WasmExports } }> };
};

interface WasmRuntime {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: object) => Promise<SchemaEngine> };
}

export interface SchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  diagnoseMigrationHistory(input: unknown): Promise<{ history: unknown; failedMigrationNames: string[] }>;
  free(): void;
}

let runtimePromise: Promise<WasmRuntime> | undefined;

function loadRuntime(): Promise<WasmRuntime> {
  runtimePromise ??= (async () => {
    // The package targets bundlers (its entry imports the .wasm file), so under plain
    // Node we instantiate the module ourselves around its JS glue code.
    const runtime = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as WasmRuntime;
    const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': runtime });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return runtime;
  })();
  return runtimePromise;
}

export function readSchema(): string {
  return readFileSync(SCHEMA_PATH, 'utf8');
}

/**
 * Runs `fn` with an engine connected to the database at `connectionString`, then frees
 * the engine and closes its connections (the engine leaves its pool open otherwise, which
 * blocks, for one, cloning that database as a template).
 */
export async function withSchemaEngine<T>(
  connectionString: string,
  fn: (engine: SchemaEngine) => Promise<T>,
  log: (line: string) => void = () => {},
): Promise<T> {
  const runtime = await loadRuntime();
  const pool = new Pool({ connectionString, max: 2 });
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  try {
    const engine = await runtime.SchemaEngine.new({ datamodels: [['schema.prisma', readSchema()]] }, log, adapter);
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

/** The migrations folder in the shape the engine expects. */
export function migrationsList() {
  const lockPath = join(MIGRATIONS_DIR, 'migration_lock.toml');
  const directories = existsSync(MIGRATIONS_DIR)
    ? readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

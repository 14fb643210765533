// Lint rules that protect the two invariants Temporal depends on:
// every promise is awaited (an un-awaited activity silently does nothing) and
// workflow code stays deterministic (no Node built-ins, no I/O libraries);
// and the direction between tests and benchmarks (bench may use test/support, never the reverse).
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = [
  'axios',
  'pg',
  '@prisma/*',
  'prisma',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

// The command-line layer sits on top: domain modules throw typed errors and the commands
// decide what to print and how to exit.
const cliImports = {
  group: ['**/cli', '**/cli/*', '../cli/*', './cli/*'],
  message: 'Only src/cli/ may import from src/cli/: throw a typed error and let the command map it.',
};
const deterministic = 'Workflow code must be deterministic: do I/O in an activity.';
const processExit = {
  object: 'process',
  property: 'exit',
  message: 'Throw a typed error; only entry points exit the process.',
};
const processEnv = {
  object: 'process',
  property: 'env',
  message:
    'Read settings through src/config (readSetting, loadConfig): it is the one place that reads the environment.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', '.tools/', '.temporal/', 'src/db/generated/', 'bench/results/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'object-shorthand': ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [cliImports] }],
      // Entry points own the process: src/cli/ (the commands, `npm run worker` included).
      // Everything else reports failures by throwing.
      'no-restricted-properties': ['error', processExit, processEnv],
    },
  },
  // One configuration module: only src/config/ reads process.env (src/config/environment.ts);
  // everything else asks it, or receives a configuration object. (The blocks below replace the
  // rule's options for their files, so each repeats what still applies there.)
  {
    files: ['src/cli/**/*.ts', 'scripts/**/*.ts', '*.ts'],
    rules: { 'no-restricted-properties': ['error', processEnv] },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-properties': ['error', processExit] },
  },
  {
    // Replaces the rule's options for these files, so it repeats the src/cli/ restriction.
    // src/core is imported by workflow code, so it obeys the same wall.
    files: ['src/workflows/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: deterministic })),
          patterns: [{ group: ioLibraries, message: deterministic }, cliImports],
        },
      ],
    },
  },
  // Structured logs: a log call's message is fixed text, its values go in the fields object
  // (src/logging.ts prints and redacts them). console.* is a command's output, not a log.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name=/^(trace|debug|info|warn|error)$/][callee.object.name!='console'] > TemplateLiteral.arguments",
          message: 'Log values as fields: logger.info("What happened", { value }), not a template string.',
        },
      ],
    },
  },
  // Tests and benchmarks are the harness: they may set process.env, hand it to the processes
  // they start, and read their own variables (TEST_*, BENCH_*, CHAOS_*, set by test/run.ts or the
  // person running a bench). A service setting they read through src/config like the service does.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[object.object.name='process'][object.property.name='env'][property.name=/^(DATABASE_URL|TEMPORAL_|TASK_QUEUE|GLPI_|CHECK_|SCHEDULE_ID|WORKER_|LOG_LEVEL|DEBUG|PYTHON|PRISMA_|PATH$|npm_config_)/]",
          message: 'A service setting: read it through src/config (readSetting), as the service does.',
        },
      ],
    },
  },
  {
    // Tests prove behaviour; benchmarks measure it. What both need lives in test/support (or in
    // src/), so that bench may import tests' helpers but a test never depends on a benchmark.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/bench', '**/bench/**'],
              message: 'Tests must not import benchmarks: move the shared helper to test/support.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

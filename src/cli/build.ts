/**
 * The second half of `npm run build` (the first is `tsc -p tsconfig.build.json`): bundles the
 * workflows once into lib/bundle/workflows.js with the manifest the production worker checks.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_PATH, buildWorkflowBundle, MANIFEST_PATH, PROJECT_ROOT } from '../workflow-bundle';
import { parseArguments, rejectExtraArguments, runCli } from './run';

const USAGE = `Usage: npm run build

Compiles src/ to lib/ (tsc -p tsconfig.build.json), then bundles the workflows into
lib/bundle/workflows.js and records the sources it was built from in lib/bundle/manifest.json.
npm start (the production worker) refuses a bundle whose sources have changed since.`;

runCli(USAGE, async (args) => {
  rejectExtraArguments(parseArguments({ args, options: {}, allowPositionals: true }).positionals);
  const started = performance.now();
  const manifest = await buildWorkflowBundle();
  // The bin entry (package.json) must be executable where the project is not installed by npm.
  chmodSync(join(PROJECT_ROOT, 'lib', 'cli', 'main.js'), 0o755);
  console.log(
    `Workflow bundle ${BUNDLE_PATH.slice(PROJECT_ROOT.length + 1)} built in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `from ${manifest.workflowInputs.length} source files (manifest: ${MANIFEST_PATH.slice(PROJECT_ROOT.length + 1)})`,
  );
});

/**
 * Rules the test suite keeps about itself. A test file whose assertions all hide in helpers
 * reads as if it checked nothing, and nothing stops such a helper from losing them: every
 * test file (test:chaos's included) asserts something itself. That tests never import the
 * benchmarks is a lint rule (eslint.config.mjs).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './support/processes';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** node:assert imported, and one of its functions called. */
const ASSERTS = /from 'node:assert(\/strict)?'[\s\S]*\bassert(\.\w+)?\(/;

test('every test file asserts something itself', () => {
  const files = testFiles(join(ROOT, 'test'));
  const names = files.map((file) => relative(ROOT, file));
  assert.ok(names.includes('test/chaos/sigkill.test.ts'), `the chaos suite is searched too: ${names.join(', ')}`);
  assert.ok(names.includes(relative(ROOT, __filename)), 'this file is among the files searched');
  const silent = names.filter((_, i) => !ASSERTS.test(readFileSync(files[i], 'utf8')));
  assert.deepEqual(silent, [], 'test files without an assertion of their own');
});

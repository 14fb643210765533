/**
 * The README's configuration tables say what the schema says: `npm run docs:config` writes
 * them, and this test fails when someone edits one without the other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SETTINGS } from '../src/config';
import { configurationBlock, configurationDocs, normaliseMarkdown } from '../src/config/docs';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

test('the README configuration tables match src/config/schema.ts (fix: npm run docs:config)', () => {
  assert.deepEqual(normaliseMarkdown(configurationBlock(README)), normaliseMarkdown(configurationDocs()));
});

test('every setting of the schema has its row in the README', () => {
  const block = configurationBlock(README);
  for (const name of Object.keys(SETTINGS)) assert.match(block, new RegExp(`\\| \`${name}\`\\s+\\|`), name);
});

test('the comparison notices a changed default', () => {
  const changed = configurationDocs().replace('| `CHECK_BATCH_SIZE` | `500` |', '| `CHECK_BATCH_SIZE` | `250` |');
  assert.notDeepEqual(normaliseMarkdown(changed), normaliseMarkdown(configurationDocs()));
});

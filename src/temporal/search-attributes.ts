/**
 * Whether the namespace has the check search attributes (src/workflows/search-attributes.ts),
 * asked once per process. A namespace without them still runs checks: without attributes, and
 * with one warning that says how to register them. Starting a workflow with an unknown
 * attribute would be refused; upserting one would fail every workflow task of the run.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CHECK_SEARCH_ATTRIBUTES, cliTypeName } from '../workflows/search-attributes';

const TYPE_NAMES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

const known = new Map<string, Promise<string[]>>();

/** The attributes the namespace lacks (or has with another type); an empty list when all are there. */
export function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  let answer = known.get(namespace);
  if (!answer) {
    answer = client.connection.operatorService.listSearchAttributes({ namespace }).then(
      (response) => {
        const custom = response.customAttributes ?? {};
        return CHECK_SEARCH_ATTRIBUTES.filter((key) => custom[key.name] !== TYPE_NAMES[key.type]).map((k) => k.name);
      },
      // An API key that may not list them (some hosted setups): run without, like a namespace without them.
      () => CHECK_SEARCH_ATTRIBUTES.map((k) => k.name),
    );
    known.set(namespace, answer);
  }
  return answer;
}

/** The commands that register them on a cluster (the README shows the same). */
export function registrationCommands(namespace: string, names: readonly string[]): string[] {
  return CHECK_SEARCH_ATTRIBUTES.filter((key) => names.includes(key.name)).map(
    (key) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${cliTypeName(key.type)}`,
  );
}

const warned = new Set<string>();

/** True when checks may carry the attributes; otherwise warns once per namespace and returns false. */
export async function useSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  const missing = await missingSearchAttributes(client, namespace);
  if (missing.length === 0) return true;
  if (!warned.has(namespace)) {
    warned.add(namespace);
    console.warn(
      `warning: namespace ${namespace} lacks the search attributes ${missing.join(', ')}: checks run without them ` +
        `(the UI cannot filter them). Register them with:\n  ${registrationCommands(namespace, missing).join('\n  ')}`,
    );
  }
  return false;
}

/**
 * Data-quality findings, as every output shows them (glpi find, text/CSV/JSON/HTML reports): one
 * sentence naming the problem and where to fix it. White space is made visible, since the whole
 * point is that it cannot be seen: `␠` for a space, `␉` for a TAB, `⍽` for a no-break space.
 */
import type { Finding } from './types';

/**
 * Findings as stored (check_results.findings, JSON): the known kinds, checked field by field.
 * A kind this version does not know (written by a newer one) is left out rather than misread.
 */
export function parseFindings(value: unknown): Finding[] {
  if (!Array.isArray(value)) return [];
  const findings: Finding[] = [];
  for (const entry of value as Record<string, unknown>[]) {
    if (
      entry?.kind === 'serial_whitespace' &&
      typeof entry.itemtype === 'string' &&
      typeof entry.glpiId === 'number' &&
      typeof entry.storedSerial === 'string'
    ) {
      findings.push({
        kind: entry.kind,
        itemtype: entry.itemtype,
        glpiId: entry.glpiId,
        storedSerial: entry.storedSerial,
      });
    }
  }
  return findings;
}

const VISIBLE: Record<string, string> = { ' ': '\u2420', '\t': '\u2409', '\u00a0': '\u237d' };

/** The value with its white space shown; other invisible white space as \u{…}. */
export function showWhitespace(value: string): string {
  return value.replace(/\s/gu, (char) => VISIBLE[char] ?? `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

function card(itemtype: string, id: number): string {
  return itemtype === 'Printer' ? `card #${id}` : `${itemtype} card #${id}`;
}

/** "GLPI stores this serial as `␠␠X-1␠␠`: fix it on card #10". */
export function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case 'serial_whitespace':
      return `GLPI stores this serial as \`${showWhitespace(finding.storedSerial)}\`: fix it on ${card(finding.itemtype, finding.glpiId)}`;
  }
}

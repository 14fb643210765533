/**
 * Data-quality findings: what the check noticed about a GLPI card besides the classification,
 * how they are stored, and the one sentence every output shows for each (glpi find, the text,
 * CSV, JSON and HTML reports), naming the problem and where to fix it. White space is made
 * visible, since the whole point is that it cannot be seen: `␠` a space, `␉` a TAB, `⍽` a no-break space.
 */

/**
 * A card's serial as GLPI stores it has white space before or after it (typed by hand): GLPI's
 * exact search misses such a card, the white-space pass finds it, and the fix is on the card.
 */
export interface SerialWhitespaceFinding {
  kind: 'serial_whitespace';
  itemtype: string;
  glpiId: number;
  /** The serial exactly as GLPI stores it (decoded), white space included. */
  storedSerial: string;
}

/**
 * A data-quality problem noticed on a GLPI card while classifying a device. Stored as typed JSON
 * on the result (check_results.findings); new kinds join this union (with their sentence below).
 */
export type Finding = SerialWhitespaceFinding;

/**
 * A short name for each kind, for filters and headings (the web page's finding filter lists
 * these): a new kind of Finding does not compile until it has one here.
 */
export const FINDING_LABELS: Record<Finding['kind'], string> = {
  serial_whitespace: 'serial with stray white space',
};

/** Every kind this version knows, in FINDING_LABELS order. */
export const FINDING_KINDS = Object.keys(FINDING_LABELS) as Finding['kind'][];

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

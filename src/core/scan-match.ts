/**
 * Which of the scanned cards sharing a device's normalised serial the search strategy would have
 * matched, so that a full scan classifies exactly as the per-serial searches do (src/glpi/lookup.ts):
 *
 * 1. GLPI's `equals` is SQL `=` under a PAD SPACE collation: it ignores trailing spaces and nothing
 *    else. A card is matched by the exact search when its stored serial, trailing spaces removed,
 *    has no white space at either end.
 * 2. When no card of any itemtype matched exactly, the white-space pass (`contains`, then kept only
 *    where the stored serial normalises to the wanted one) matches every card with that
 *    normalised serial — unless the serial has nothing `contains` can search for (see
 *    containsValueFor: a serial made only of `& < > \ %` and spaces).
 * 3. Trashed cards are looked for with `equals` only (no white-space pass).
 */

export interface CandidateCard {
  storedSerial: string;
  isDeleted: boolean;
}

/** Rule 1: `=` under PAD SPACE finds this stored serial. */
export function exactlyMatchable(storedSerial: string): boolean {
  return storedSerial.replace(/ +$/, '') === storedSerial.trim();
}

/** Whether the white-space pass can search for this (normalised) serial at all (containsValueFor). */
export function whitespaceSearchable(serial: string): boolean {
  let value = serial.trim().replace(/[&<>\\]/g, '%');
  value = value.replace(/^\^/, '%').replace(/\$$/, '%');
  return /[^%\s]/.test(value);
}

/** The live cards the search strategy matches (rules 1–2) and the trashed ones it finds (rule 3). */
export function selectCandidates<C extends CandidateCard>(
  serial: string,
  cards: readonly C[],
): { live: C[]; trashed: C[] } {
  const liveCards = cards.filter((card) => !card.isDeleted);
  const exact = liveCards.filter((card) => exactlyMatchable(card.storedSerial));
  const live = exact.length > 0 || !whitespaceSearchable(serial) ? exact : liveCards;
  const trashed = cards.filter((card) => card.isDeleted && exactlyMatchable(card.storedSerial));
  return { live, trashed };
}

/**
 * What the scan of one GLPI list counts as it reads: kept in its cursor (src/glpi/scan.ts, in the
 * activity's heartbeat) and reported per list in the run (src/workflows/types.ts). One shape, so
 * a count added to the cursor reaches the report.
 */
export interface ScanCounts {
  /** Rows accepted (distinct ids, templates included: GLPI counts them). */
  read: number;
  /** Cards stored (templates left out). */
  cards: number;
  pages: number;
  requests: number;
  /** GLPI's total at the first page and at the latest one. */
  firstTotal: number | null;
  lastTotal: number | null;
  /** Rows dropped because their id was read already (a page that shifted, or a GLPI repeating rows). */
  duplicates: number;
  /** Times the scan backed up because rows vanished before the cursor. */
  backups: number;
  /** Pages with fewer rows than their Content-Range promised. */
  shortPages: number;
}

/**
 * Writing RFC 4180 CSV, the small part the simulator needs: awkward serials (quotes, commas,
 * leading spaces) must survive a round trip through a device list file, read back by the
 * project's parser (src/devices/csv.ts). Not the report's writer: that one defuses formulas,
 * which would change a serial here.
 */

/** Quotes a field when it holds a quote, a comma, a line break or surrounding spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}

/** The device list of a generated inventory, as a CSV that `npm run devices -- import` reads. */
export function devicesCsv(
  devices: readonly { serial: string; name: string; model: string; location: string; organisation: string }[],
): string {
  const lines = [csvLine(['serial', 'name', 'model', 'location', 'organisation', 'active'])];
  for (const d of devices) lines.push(csvLine([d.serial, d.name, d.model, d.location, d.organisation, 'true']));
  return `${lines.join('\n')}\n`;
}

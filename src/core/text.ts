/**
 * Values quoted in messages. A message must stay one readable line whatever the input: a
 * 100 KB "serial" from a broken file is shown by its start and its length, not in full.
 */

/** Characters of a value shown before it is cut. */
export const MESSAGE_VALUE_LENGTH = 80;

/** `value` cut to `max` characters, with how long it really was when cut. */
export function shortened(value: string, max = MESSAGE_VALUE_LENGTH): string {
  const chars = [...value];
  if (chars.length <= max) return value;
  return `${chars.slice(0, max).join('')}… (${chars.length} characters)`;
}

/** `value` in double quotes (JSON escapes, so control characters show), cut like shortened(). */
export function quoted(value: string, max = MESSAGE_VALUE_LENGTH): string {
  const chars = [...value];
  if (chars.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(chars.slice(0, max).join(''))}… (${chars.length} characters)`;
}

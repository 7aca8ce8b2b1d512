/**
 * The order every store returns lists in: JavaScript's default string order (UTF-16 code units),
 * the one the memory store uses. SQLite's ORDER BY compares UTF-8 bytes, which puts characters
 * above U+FFFF (emoji) after U+E000–U+FFFF instead of before them, so lists are sorted here.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The arithmetic of the dashboard's line charts (line-chart.tsx), kept apart from React. */

export interface Point {
  t: number;
  value: number;
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `value` (an axis top that reads well); 1 for nothing. */
export function niceMax(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** SVG polyline points for `points` in a `width` × `height` box: time from `from` to `to` left to right, 0 to `max` bottom to top. */
export function polylinePoints(points: readonly Point[], box: { from: number; to: number; max: number; width: number; height: number }): string {
  const span = Math.max(1, box.to - box.from);
  const round = (n: number) => Math.round(n * 10) / 10;
  return points
    .filter((p) => p.t >= box.from && p.t <= box.to)
    .map((p) => `${round(((p.t - box.from) / span) * box.width)},${round(box.height - (Math.min(p.value, box.max) / box.max) * box.height)}`)
    .join(' ');
}

/** A value for people: whole numbers as they are, rates with one decimal below 10. */
export function formatValue(value: number): string {
  if (Number.isInteger(value) || value >= 10) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(1);
}

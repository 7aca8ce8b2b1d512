import { useId } from 'react';
import { formatValue, niceMax, polylinePoints, type Point } from './chart-geometry';

export interface ChartLine {
  /** The node the line belongs to (the legend's label). */
  label: string;
  points: Point[];
}

const WIDTH = 320;
const HEIGHT = 80;
/** How many line colours globals.css defines (.chart__line--0 …); more nodes reuse them. */
const COLOURS = 6;

/**
 * One series as a small SVG line chart, a line per node, with the current value (the nodes' sum)
 * printed above it. Plain SVG drawn by React: no chart library, no inline style (colours come
 * from classes in globals.css).
 */
export function LineChart({ id, title, unit, lines, from, to }: { id: string; title: string; unit: string; lines: ChartLine[]; from: number; to: number }) {
  const titleId = useId();
  const latest = lines.map((line) => line.points.at(-1)?.value ?? 0);
  const current = latest.reduce((sum, value) => sum + value, 0);
  const peak = Math.max(0, ...lines.flatMap((line) => line.points.filter((p) => p.t >= from).map((p) => p.value)));
  const max = niceMax(peak);
  const summary = `${title}: ${formatValue(current)} ${unit} now, at most ${formatValue(peak)} in the window shown, across ${lines.length} node${lines.length === 1 ? '' : 's'}`;
  return (
    <figure className="chart" data-testid={`chart-${id}`} data-value={current} data-peak={peak}>
      <figcaption className="chart__caption">
        <span id={titleId} className="chart__title">
          {title}
        </span>
        <span className="chart__value">
          {formatValue(current)} <span className="chart__unit">{unit}</span>
        </span>
      </figcaption>
      <svg
        className="chart__plot"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={titleId}
        aria-describedby={`${titleId}-desc`}
      >
        <desc id={`${titleId}-desc`}>{summary}</desc>
        <line className="chart__axis" x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
        <line className="chart__grid" x1={0} y1={HEIGHT / 2} x2={WIDTH} y2={HEIGHT / 2} />
        {lines.map((line, i) => (
          <polyline
            key={line.label}
            className={`chart__line chart__line--${i % COLOURS}`}
            points={polylinePoints(line.points, { from, to, max, width: WIDTH, height: HEIGHT })}
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      <div className="chart__scale" aria-hidden="true">
        <span>max {formatValue(max)}</span>
      </div>
      {lines.length > 1 && (
        <ul className="chart__legend">
          {lines.map((line, i) => (
            <li key={line.label}>
              <span className={`chart__swatch chart__swatch--${i % COLOURS}`} aria-hidden="true" />
              <span className="chart__node" title={line.label}>
                {line.label}
              </span>
              <span className="chart__node-value">{formatValue(latest[i] ?? 0)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/**
 * Small dependency-free SVG line and bar charts for the bench report (RESULTS.md embeds the
 * files). A chart is plain data until `renderSvg`, so the JSON report keeps it too.
 */

export interface Series {
  name: string;
  /** [x, y] points; x is a number (line charts) or a category label (bar charts). */
  points: [number | string, number][];
  /** Optional min–max band around each point (same order as points). */
  spread?: [number, number][];
}

export interface Chart {
  /** File-name stem, kebab-case: `<report>-<id>.svg`. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  kind: 'line' | 'bar';
  series: Series[];
  /** A horizontal target line (e.g. "p99 < 250 ms"). */
  target?: { y: number; label: string };
}

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 70, right: 20, top: 40, bottom: 70 };
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function tickLabel(value: number): string {
  if (value >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (value >= 10) return value.toFixed(0);
  return Number(value.toPrecision(2)).toString();
}

/** The x values to label: every one when there are few (sizes N), else about 6 round steps (time series). */
function xTicks(xs: readonly number[]): number[] {
  if (xs.length <= 10) return [...xs];
  const min = xs[0]!;
  const max = xs[xs.length - 1]!;
  const step = niceMax((max - min) / 6);
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max; value += step) ticks.push(value);
  return ticks;
}

/** The chart as a standalone SVG document. */
export function renderSvg(chart: Chart): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const ys = chart.series.flatMap((s) => [...s.points.map((p) => p[1]), ...(s.spread ?? []).map((b) => b[1])]);
  const yMax = niceMax(Math.max(...ys.filter(Number.isFinite), chart.target?.y ?? 0) * 1.05);
  const y = (value: number) => PAD.top + plotH - (Math.max(0, value) / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const value = (yMax / 5) * i;
    out.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 6}" y="${y(value) + 4}" text-anchor="end">${tickLabel(value)}</text>`,
    );
  }
  out.push(
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 36}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  );

  if (chart.kind === 'line') {
    const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => Number(p[0]))))].sort((a, b) => a - b);
    const xMin = xs[0] ?? 0;
    const xMax = xs[xs.length - 1] ?? 1;
    const x = (value: number) => PAD.left + (xMax === xMin ? plotW / 2 : ((value - xMin) / (xMax - xMin)) * plotW);
    for (const value of xTicks(xs)) out.push(`<text x="${x(value)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${tickLabel(value)}</text>`);
    chart.series.forEach((series, index) => {
      const colour = COLOURS[index % COLOURS.length]!;
      const points = series.points.filter((p) => Number.isFinite(p[1]));
      series.spread?.forEach(([low, high], i) => {
        const p = series.points[i];
        if (p && Number.isFinite(low) && Number.isFinite(high)) {
          out.push(`<line x1="${x(Number(p[0]))}" x2="${x(Number(p[0]))}" y1="${y(low)}" y2="${y(high)}" stroke="${colour}" stroke-width="6" opacity="0.25"/>`);
        }
      });
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${x(Number(p[0]))},${y(p[1])}`).join(' ')}"/>`,
        ...points.map((p) => `<circle cx="${x(Number(p[0]))}" cy="${y(p[1])}" r="3.5" fill="${colour}"/>`),
      );
    });
  } else {
    const categories = [...new Set(chart.series.flatMap((s) => s.points.map((p) => String(p[0]))))];
    const groupW = plotW / Math.max(1, categories.length);
    const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
    categories.forEach((category, c) => {
      out.push(`<text x="${PAD.left + groupW * (c + 0.5)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${escapeXml(category)}</text>`);
      chart.series.forEach((series, s) => {
        const point = series.points.find((p) => String(p[0]) === category);
        if (!point || !Number.isFinite(point[1])) return;
        const left = PAD.left + groupW * c + groupW * 0.1 + barW * s;
        out.push(`<rect x="${left}" y="${y(point[1])}" width="${barW - 2}" height="${PAD.top + plotH - y(point[1])}" fill="${COLOURS[s % COLOURS.length]}"/>`);
      });
    });
  }

  if (chart.target) {
    out.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(chart.target.y)}" y2="${y(chart.target.y)}" stroke="#111" stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - PAD.right - 4}" y="${y(chart.target.y) - 5}" text-anchor="end">${escapeXml(chart.target.label)}</text>`,
    );
  }
  // Legend along the bottom.
  let legendX = PAD.left;
  chart.series.forEach((series, index) => {
    out.push(
      `<rect x="${legendX}" y="${HEIGHT - 20}" width="12" height="12" fill="${COLOURS[index % COLOURS.length]}"/>`,
      `<text x="${legendX + 16}" y="${HEIGHT - 10}">${escapeXml(series.name)}</text>`,
    );
    legendX += 28 + series.name.length * 7;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

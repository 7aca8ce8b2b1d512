/** The bench's SVG charts: every series drawn, labels escaped, the target line present. */
import { describe, expect, it } from 'vitest';
import { renderSvg, type Chart } from '../lib/svg-chart';

const line: Chart = {
  id: 'p99',
  title: 'fan-out p99 <by> N & server',
  xLabel: 'clients',
  yLabel: 'ms',
  kind: 'line',
  series: [
    {
      name: 'gateway',
      points: [
        [1000, 10],
        [5000, 40],
        [10_000, 90],
      ],
      spread: [
        [9, 11],
        [38, 44],
        [85, 99],
      ],
    },
    {
      name: 'raw Socket.IO',
      points: [
        [1000, 9],
        [5000, Number.NaN],
        [10_000, 80],
      ],
    },
  ],
  target: { y: 250, label: 'target 250 ms' },
};

describe('renderSvg', () => {
  it('draws a polyline and a point per finite value for each series, with escaped text', () => {
    const svg = renderSvg(line);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('fan-out p99 &#60;by&#62; N &#38; server');
    expect(svg).not.toContain('<by>');
    expect(svg).toContain('target 250 ms');
    expect(svg).toContain('>10,000<');
    expect(svg).not.toContain('NaN');
  });

  it('draws one bar per category and series', () => {
    const svg = renderSvg({
      id: 'bars',
      title: 'CPU',
      xLabel: 'path',
      yLabel: 'ms',
      kind: 'bar',
      series: [
        {
          name: 'with log',
          points: [
            ['fan-out 1', 3],
            ['fan-out 1,000', 12],
          ],
        },
        {
          name: 'without',
          points: [
            ['fan-out 1', 2],
            ['fan-out 1,000', 11],
          ],
        },
      ],
    });
    // 4 bars + the background rect + 2 legend swatches.
    expect(svg.match(/<rect /g)).toHaveLength(7);
    expect(svg).toContain('fan-out 1,000');
    expect(svg).not.toContain('NaN');
  });
});

describe('renderSvg, time series', () => {
  it('labels about six round x values, not every sample', () => {
    const points = Array.from({ length: 300 }, (_, i): [number, number] => [101 + i * 100, i % 7]);
    const svg = renderSvg({ id: 't', title: 'CPU', xLabel: 'ms', yLabel: '%', kind: 'line', series: [{ name: 'B', points }] });
    const labels = [...svg.matchAll(/text-anchor="middle">([\d,]+)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['5,000', '10,000', '15,000', '20,000', '25,000', '30,000']);
    expect(svg.match(/<circle /g)).toHaveLength(300);
  });
});

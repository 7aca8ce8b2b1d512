/** The dashboard charts' arithmetic (src/app/_components/chart-geometry.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatValue, niceMax, polylinePoints } from '@/app/_components/chart-geometry';

describe('niceMax', () => {
  it('is the smallest 1, 2, 2.5 or 5 × 10^n at or above the value', () => {
    expect([0, -3, Number.NaN, 0.3, 1, 1.1, 2.2, 3, 7, 10, 11, 240, 2600].map(niceMax)).toEqual([1, 1, 1, 0.5, 1, 2, 2.5, 5, 10, 10, 20, 250, 5000]);
  });

  it('is never below the value, and never more than 2.5 times it', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), (value) => {
        const max = niceMax(value);
        expect(max).toBeGreaterThanOrEqual(value);
        expect(max).toBeLessThanOrEqual(value * 2.5 * (1 + 1e-9));
      }),
      { numRuns: 200 },
    );
  });
});

describe('polylinePoints', () => {
  const box = { from: 1000, to: 3000, max: 10, width: 200, height: 50 };
  it('maps time left to right and 0..max bottom to top, dropping points outside the window', () => {
    const points = [
      { t: 500, value: 3 },
      { t: 1000, value: 0 },
      { t: 2000, value: 5 },
      { t: 3000, value: 10 },
    ];
    expect(polylinePoints(points, box)).toBe('0,50 100,25 200,0');
  });

  it('keeps every point inside the box, whatever the values', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ t: fc.integer({ min: 0, max: 4000 }), value: fc.double({ min: 0, max: 1e6, noNaN: true }) })), (points) => {
        const drawn = polylinePoints(points, box);
        for (const pair of drawn ? drawn.split(' ') : []) {
          const [x, y] = pair.split(',').map(Number) as [number, number];
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(box.width);
          expect(y).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThanOrEqual(box.height);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatValue', () => {
  it('prints counts whole and small rates with one decimal', () => {
    expect([0, 3, 1234, 0.25, 2.5, 12.6].map(formatValue)).toEqual(['0', '3', '1,234', '0.3', '2.5', '13']);
  });
});

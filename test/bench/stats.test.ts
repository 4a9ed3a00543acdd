// The memory bench's growth figure is a least-squares slope: checked on hand-made points.
import { describe, expect, it } from 'vitest';
import { slopePer } from './stats.js';

describe('slopePer', () => {
  it('gives the change per step of a straight line, and the trend through noise', () => {
    expect(slopePer(100, [[500, 1000], [600, 1300], [700, 1600]])).toBeCloseTo(300);
    // Up 50, down 50 around a flat line: no trend.
    expect(slopePer(100, [[500, 1000], [600, 1050], [700, 950], [800, 1000]])).toBeCloseTo(-10);
    expect(slopePer(100, [[500, 1000]])).toBe(0);
  });
});

// Small helpers for benchmarks: medians of repeated runs, and a process's cold start.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time in ms of `runs` calls of fn, after `warmup` unmeasured calls. */
export async function medianMs(runs: number, fn: () => unknown, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Median ms from spawn to exit of `node args...`; throws when the exit code is unexpected. */
export function coldStartMs(args: string[], runs: number, expectedExit: number[] = [0]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    times.push(performance.now() - start);
    if (!expectedExit.includes(result.status ?? -1)) {
      throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    }
  }
  return median(times);
}

/** Least-squares slope of [x, y] points, as the change of y per `per` of x (0 with fewer than two points). */
export function slopePer(per: number, points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return (covariance / variance) * per;
}

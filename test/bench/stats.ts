// Small helpers for benchmarks: medians of repeated runs, and a process's cold start.
import { spawn } from 'node:child_process';
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

export interface ColdStart {
  /** Arguments of `node`. */
  args: string[];
  /** Exit codes that count as success (default 0). */
  expectedExit?: number[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/**
 * Median ms from spawn to exit of each command, after `warmup` unmeasured rounds. The runs
 * are interleaved (one of each per round), so a change in machine load meets every command
 * alike and their ratios hold even when the absolute times move. The children run
 * asynchronously: a server this process started (moto) keeps being served meanwhile.
 */
export async function coldStartsMs(commands: ColdStart[], runs: number, warmup = 0): Promise<number[]> {
  const times = commands.map((): number[] => []);
  for (let round = -warmup; round < runs; round++) {
    for (const [i, { args, expectedExit = [0], env }] of commands.entries()) {
      const start = performance.now();
      const { code, stderr } = await exited(args, { ...process.env, ...env });
      const elapsed = performance.now() - start;
      if (!expectedExit.includes(code ?? -1)) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`);
      if (round >= 0) times[i]!.push(elapsed);
    }
  }
  return times.map(median);
}

function exited(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
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

/**
 * The parts of `npm run lecture --jobs N` (scripts/lecture.ts) that run notebooks side by side: the start
 * order, a pool of N lanes, line splitting for prefixed output, and a process's CPU time.
 */
import * as fs from "fs";

/**
 * The order in which the notebooks start: longest expected first (with N jobs this keeps the last
 * notebook from starting alone near the end), ties in file order. `expected` maps a notebook path to
 * seconds; notebooks without an estimate count as the mean of the others.
 */
export function startOrder(notebooks: string[], expected: Map<string, number>): string[] {
  const known = notebooks.map((n) => expected.get(n)).filter((v): v is number => v !== undefined);
  const fallback = known.length ? known.reduce((s, v) => s + v, 0) / known.length : 0;
  const cost = (n: string) => expected.get(n) ?? fallback;
  return notebooks
    .map((n, i) => ({ n, i }))
    .sort((a, b) => cost(b.n) - cost(a.n) || a.i - b.i)
    .map((x) => x.n);
}

/**
 * Splits decoded text (a stream with setEncoding) into lines, handing each complete line (without its newline)
 * to `line`; `end` hands over a last line without a newline.
 */
export function lineSplitter(line: (s: string) => void): { push(chunk: string): void; end(): void } {
  let rest = "";
  return {
    push(chunk) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) line(p);
    },
    end() {
      if (rest) line(rest);
      rest = "";
    },
  };
}

/** CPU seconds (user + system) of a live process from /proc/<pid>/stat (Linux), else null. */
export function processCpuSeconds(pid: number): number | null {
  try {
    // the fields after the command name (which may hold spaces) start at state; utime, stime are 14, 15
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks: USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Runs `items` through `worker` with at most `jobs` at once, starting them in the given order. */
export async function pool<T, R>(
  items: T[],
  jobs: number,
  worker: (item: T) => Promise<R>,
  stop: (r: R) => boolean = () => false,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (!stopped && next < items.length) {
      const r = await worker(items[next++]);
      results.push(r);
      if (stop(r)) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
  return results;
}

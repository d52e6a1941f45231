/** Small statistics for the results script: mean ± sd over seeds, least-squares R² of targets from z. */

/** Mean and sample standard deviation (n − 1; 0 for a single value) of the finite values. */
export interface MeanSd {
  mean: number;
  sd: number;
  n: number;
  values: number[];
}

export function meanSd(values: number[]): MeanSd {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0, values };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n, values };
}

/** "m ± sd" with `digits` decimals; "–" when nothing was measured. */
export function fmt(s: MeanSd | undefined, digits = 3): string {
  if (!s || s.n === 0) return "–";
  return s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}` : s.mean.toFixed(digits);
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    [b[c], b[piv]] = [b[piv], b[c]];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
      b[r] -= f * b[c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  return x;
}

/**
 * R² of the least-squares fit of the targets (n rows × t columns) from [z, 1] (z: n × d, row-major), pooled
 * over the target columns: how much of the targets a linear map of z explains (0: none).
 */
export function linearR2(z: ArrayLike<number>, d: number, targets: number[][]): number {
  const n = targets.length;
  const p = d + 1;
  const X = (i: number, j: number) => (j < d ? z[i * d + j] : 1);
  const XtX = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) XtX[a][b] += X(i, a) * X(i, b);
  for (let a = 0; a < p; a++) XtX[a][a] += 1e-9;
  let ssRes = 0,
    ssTot = 0;
  for (let t = 0; t < targets[0].length; t++) {
    const Xty = new Array<number>(p).fill(0);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      mean += targets[i][t];
      for (let a = 0; a < p; a++) Xty[a] += X(i, a) * targets[i][t];
    }
    mean /= n;
    const beta = solve(
      XtX.map((r) => [...r]),
      Xty,
    );
    for (let i = 0; i < n; i++) {
      let pred = 0;
      for (let a = 0; a < p; a++) pred += beta[a] * X(i, a);
      ssRes += (targets[i][t] - pred) ** 2;
      ssTot += (targets[i][t] - mean) ** 2;
    }
  }
  return ssTot > 0 ? 1 - ssRes / ssTot : 0;
}

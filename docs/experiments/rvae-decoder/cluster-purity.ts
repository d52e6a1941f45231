// How class-like are the clusters of cluster-warmup.ts's rotation-invariant features? (session 11; no training, ~5 s)
// Usage: npx tsx docs/experiments/rvae-decoder/cluster-purity.ts [k=10,20] — batch k-means on the 1500 training
// digits of digits.ts's seed 1 (±120°), ARI with the digit and purity (share of each cluster's largest digit).
import { digits } from "../../../src/data/digits";
import { kmeans } from "../../../src/analysis/cluster";
import { adjustedRandIndex } from "../../../src/analysis/metrics";
import { invariantFeatures } from "./cluster-warmup";

const ks = (process.argv.find((a) => a.startsWith("k=")) ?? "k=10,20").slice(2).split(",").map(Number);
const { train } = digits.rotatedSplit({ n: 2000, seed: 1, testFraction: 0.25 });
const n = train.images.n;
const f = invariantFeatures(train.images.data, n, 28, 28);
for (const k of ks) {
  const km = kmeans(Float32Array.from(f), f.length / n, k, { seed: 1, restarts: 4 });
  let pure = 0;
  for (let j = 0; j < k; j++) {
    const c = new Array(10).fill(0);
    km.labels.forEach((l, i) => l === j && c[train.labels[i]]++);
    pure += Math.max(...c);
  }
  console.log(`k ${k}: ARI ${adjustedRandIndex(km.labels, train.labels).toFixed(3)}, purity ${(pure / n).toFixed(3)}`);
}

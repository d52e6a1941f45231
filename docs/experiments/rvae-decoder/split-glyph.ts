// Session 12 (docs/experiments/rotated-digits-pose.md): a glyph that is nearly its own half-turn, as a blurred 2 or 5
// is: a Z whose bottom bar is shorter than its top bar (`ASYM`), 160 images of 16 px turned within ±120°, the model of
// prior-glyph.ts (latentDim 1, encoder [32], decoder [32, 32], 16 trials, frameCandidates 2, poseWarmup 1, 4 epochs,
// batch 32, lr 3e-3), model seeds 2–6. Prints R1 = |mean e^{id}| of the offsets d = inferred − true (1: one frame;
// two frames 180° apart in equal shares: near 0) and the share of images on the minority end of the offsets' axis.
// Usage: npx tsx docs/experiments/rvae-decoder/split-glyph.ts asym=0.3 'name={"framePosterior":true,...}' …
import { selectBackend } from "../../../src/backend";
import { RVAE, RVAEOptions, train } from "../../../src/index";
import { Random } from "../../../src/util/random";

const sig = (v: number) => 1 / (1 + Math.exp(-v / 0.06));
const box = (u: number, v: number, u0: number, u1: number, v0: number, v1: number) =>
  sig(u - u0) * sig(u1 - u) * sig(v - v0) * sig(v1 - v);

/** The near-Z: top bar u ∈ [−0.6, 0.6], bottom bar u ∈ [−0.6, 0.6 − 2·asym], a diagonal between them. */
function zShape(u: number, v: number, asym: number): number {
  const top = box(u, v, -0.6, 0.6, 0.45, 0.75);
  const bottom = box(u, v, -0.6, 0.6 - 2 * asym, -0.75, -0.45);
  const diag = sig(0.13 - Math.abs(u - v) / Math.SQRT2) * sig(0.6 - Math.abs(v));
  return Math.min(1, top + bottom + diag);
}

(async () => {
  await selectBackend({ verbose: false });
  const H = 16,
    n = 160;
  let asym = 0.3;
  const runs: [string, Partial<RVAEOptions>][] = [];
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith("asym=")) asym = Number(arg.slice(5));
    else runs.push([arg.slice(0, arg.indexOf("=")), JSON.parse(arg.slice(arg.indexOf("=") + 1))]);
  }
  const rng = new Random(4);
  const data = new Float32Array(n * H * H),
    angle = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    angle[k] = rng.uniform((-2 * Math.PI) / 3, (2 * Math.PI) / 3);
    const c = Math.cos(angle[k]),
      s = Math.sin(angle[k]);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) {
        const x = -1 + (2 * j) / (H - 1),
          y = 1 - (2 * i) / (H - 1);
        data[(k * H + i) * H + j] = zShape(c * x + s * y, -s * x + c * y, asym);
      }
  }
  const images = { data, n, height: H, width: H };
  for (const [name, opts] of runs) {
    const line: string[] = [];
    for (const seed of [2, 3, 4, 5, 6]) {
      const m = new RVAE({
        imageShape: [H, H],
        latentDim: 1,
        encoderHidden: [32],
        decoderHidden: [32, 32],
        rotationSteps: 16,
        frameCandidates: 2,
        poseWarmup: 1,
        seed,
        ...opts,
      });
      await train(m, images, { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 1, progress: false });
      const enc = m.encode(images);
      let c = 0,
        s = 0,
        c2 = 0,
        s2 = 0;
      const d = Array.from(enc.angle, (a, i) => a - angle[i]);
      for (const v of d) {
        c += Math.cos(v);
        s += Math.sin(v);
        c2 += Math.cos(2 * v);
        s2 += Math.sin(2 * v);
      }
      const axis = Math.atan2(s2, c2) / 2;
      const plus = d.filter((v) => Math.cos(v - axis) > 0).length;
      const minority = Math.min(plus, n - plus) / n;
      line.push(`${(Math.hypot(c, s) / n).toFixed(2)}/${minority.toFixed(2)}`);
      m.dispose();
    }
    console.log(`${name} (asym ${asym}): R1/minority per seed 2-6: ${line.join("  ")}`);
  }
})();

/**
 * Where one training step's time goes (issue 15, step 1): wall-clock of the phases of `train()`'s step for one
 * configuration, each phase timed alone over a few repetitions (median), on cards1 at 48 px, batch 128.
 *
 *   npx tsx bench/profile-step.ts [--variant rvae|rvae-mlp|vae] [--subsample 256] [--native 0|1] [--dense 0|1]
 *     [--fused 0|1] [--reps 5]
 *
 * Phases: the whole step as train() runs it; forward only (lossTerms without a tape); forward + backward
 * (variableGrads; with the fused training pass, the default, the decoder's forward, pixel loss and backward are all
 * in "native decoder forward" and its "backward" only adds the per-image blocks); the Adam update alone; the
 * encoder's posterior alone; for the equivariant encoder its JS geometry (centroids, polar images, im2col + frame
 * scores); the native decoder's own forward/backward time.
 * Prints one JSON line and a table.
 */
import * as tf from "@tensorflow/tfjs";

import { opt } from "./cli";

async function main(): Promise<void> {
  const variant = opt("variant", "rvae");
  const subsample = Number(opt("subsample", "0"));
  const reps = Number(opt("reps", "5"));
  process.env.IVAE_NATIVE = opt("native", "1");
  const { selectBackend } = await import("../src/backend");
  await selectBackend({ force: "wasm", verbose: false });
  const native = await import("../src/native");
  if (opt("dense", "1") === "0") native.useNativeDense(false); // the models' dense layers in tfjs
  if (opt("fused", "1") === "0") native.useFusedTrainingPass(false); // three passes: forward, loss, backward
  const models = await import("../src/models");
  const { cards } = await import("../src/data");
  const { train } = await import("../src/training");
  const pose = await import("../src/models/pose-encoder");
  const { makeModel } = await import("./worker");
  const size = 48,
    B = 128,
    P = size * size;
  const ds = cards.lecture("cards1", { n: B * (reps + 2), seed: 0, size });
  const model = await makeModel(variant as "rvae", size, [64, 64]);
  const pixelIndices =
    subsample > 0 ? Int32Array.from({ length: subsample }, (_, i) => Math.floor((i * P) / subsample)) : undefined;
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = (f: () => void) => {
    f(); // warm-up
    const t: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    return med(t);
  };
  const x = tf.tensor2d(ds.images.data.subarray(0, B * P), [B, P]);
  const vars = model.params.vars;
  const out: Record<string, number> = {};
  // whole step through train(): one epoch of reps+1 batches, the first one discarded as warm-up
  {
    const stack = { data: ds.images.data.subarray(0, B * P), n: B, height: size, width: size };
    await train(model, stack, { epochs: 1, batchSize: B, progress: false, pixelSubsample: subsample || undefined });
    const big = { data: ds.images.data.subarray(0, B * (reps + 1) * P), n: B * (reps + 1), height: size, width: size };
    const t0 = performance.now();
    await train(model, big, { epochs: 1, batchSize: B, progress: false, pixelSubsample: subsample || undefined });
    out["train() step"] = (performance.now() - t0) / (reps + 1);
  }
  out["forward (no tape)"] = time(() =>
    tf.tidy(() => {
      model.lossTerms(x, null, { seed: 1, pixelIndices }).loss.dataSync();
    }),
  );
  native.nativeOpStats(true);
  let grads: tf.NamedTensorMap = {};
  out["forward + backward"] = time(() => {
    tf.dispose(grads);
    const r = tf.variableGrads(() => model.lossTerms(x, null, { seed: 1, pixelIndices }).loss, vars);
    r.value.dataSync();
    r.value.dispose();
    grads = r.grads;
    Object.values(grads)[0].dataSync();
  });
  const st = native.nativeOpStats(true);
  if (st.forwardCalls) {
    out["  native decoder forward"] = st.forwardMs / st.forwardCalls;
    out["  native decoder backward"] = st.backwardMs / st.backwardCalls;
    out["  (backward passes that were fused)"] = st.fusedBackwardCalls / st.backwardCalls;
  }
  const adam = tf.train.adam(1e-3);
  out["Adam update (tfjs)"] = time(() => {
    adam.applyGradients(grads as unknown as Parameters<typeof adam.applyGradients>[0]);
    vars[0].dataSync();
  });
  // the encoder alone (forward), reached through the protected field: profiling only
  const enc = (model as unknown as { encoder: { posterior(x: tf.Tensor2D, c: null): unknown } }).encoder;
  out["encoder posterior (forward)"] = time(() =>
    tf.tidy(() => {
      const p = enc.posterior(x, null) as Record<string, { mean: tf.Tensor }>;
      p.z.mean.dataSync();
    }),
  );
  const scorer = (enc as unknown as { scorer?: import("../src/models/pose-encoder").PoseScorer }).scorer;
  // the JS geometry phases reach into the encoder's scorer; skipped where its layout differs (group scorer)
  if (variant === "rvae" && scorer?.W0) {
    const g = scorer.geometry;
    const xv = x.dataSync() as Float32Array;
    out["  x download (dataSync)"] = time(() => void x.dataSync());
    out["  centroids (JS)"] = time(() => void pose.centroids(xv, B, g.height, g.width));
    const c = pose.centroids(xv, B, g.height, g.width);
    out["  polar images (JS)"] = time(() => void pose.polarImages(xv, B, g, c));
    const pol = pose.polarImages(xv, B, g, c);
    out["  im2col + frame scores (fwd)"] = time(() => {
      const s = pose.frameScores(pol, B, scorer);
      s.dataSync();
      s.dispose();
    });
    const ang = new Float32Array(B).fill(0.3);
    out["  de-rotated images (JS)"] = time(() => void pose.normalisedImages(xv, B, g.height, g.width, c, ang));
    out["  frame scores fwd+bwd"] = time(() => {
      const r = tf.variableGrads(
        () => tf.sum(pose.frameScores(pol, B, scorer)) as tf.Scalar,
        [scorer.W0, scorer.b0, scorer.W1],
      );
      r.value.dispose();
      tf.dispose(Object.values(r.grads));
    });
  }
  const info = native.nativeInfo();
  console.log(JSON.stringify({ variant, subsample, decoder: models.coordDecoderName(), native: info, ms: out }));
  for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(34)} ${v.toFixed(1).padStart(8)} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

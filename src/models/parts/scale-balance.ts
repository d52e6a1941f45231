import * as tf from "@tensorflow/tfjs";
import type { Posterior } from "./latents";

/** Neighbours in z that set each image's kernel width (a class of a batch of 32 over 4 classes holds ~8). */
const NEIGHBOURS = 4;

/**
 * The scale balance term (`scaleBalance`, docs/experiments/scale-latent.md): a batch estimate of
 * E[E[u | z]²] + E[(E[u² | z] − E[u²])²], u the scale latent's posterior mean and z the content's; it is 0 when
 * the mean and the spread of u are the same everywhere in z. Why: the decoder can draw each class's glyph at any
 * size, so the ELBO leaves free which size of a class is s = 1, and the rVAE settled each suit at its own mean s
 * (hearts 1.09, diamonds 0.93) while following the scale within every suit. Cards of every class are drawn at the
 * same scales, so the true u does not depend on z; this term asks that of the scale latent without the classes.
 *
 * E[φ | z_i] is the kernel-weighted mean of the *other* images' φ(u) around z_i (Gaussian kernel, width the
 * distance to the 4th nearest neighbour in z, held constant), φ = u and u² about its batch mean. The term is the
 * batch mean of φ_i·E[φ | z_i]: with image i left out of its own estimate its expectation is the squared
 * conditional mean, without the pull of each u towards 0 that a squared estimate including u_i would add (that
 * pull is a narrower prior's, which costs r within a class). Gradients reach u and, through the kernel, z.
 *
 * `debiased` (`scaleBalanceDebiased`, docs/experiments/scale-latent.md, session 11): z enters by its values, so the
 * term cannot move z, and the spread part gains mean(φ²)/(B − 1). Why: the spread φ = u² − mean(u²) is centred on
 * a batch mean that holds φ_i itself, so E[φ_i·φ_j] = −var/B for any two images and the term's expectation is −var/B
 * where z says nothing of u; mean(φ²)/(B − 1) has expectation var/B, so the sum is 0 there, for any kernel weights.
 * As first written the term was −0.45 to −0.60 on a collapsed z (a reward), and its gradient into z could lower
 * it by making z *not* separate classes whose mean u differ instead of moving u.
 */
export function scaleBalanceTerm(post: Posterior, debiased = false): tf.Scalar {
  return tf.tidy(() => {
    const z = debiased ? tf.tensor2d(post.z.mean.dataSync(), post.z.mean.shape) : post.z.mean;
    const u = post.scale.mean; // [B, 1]
    const B = z.shape[0];
    if (B < 2) return tf.scalar(0);
    const sq = tf.sum(tf.square(z), 1, true);
    const d2 = tf.relu(tf.add(tf.sub(sq, tf.mul(2, tf.matMul(z, z, false, true))), tf.transpose(sq))) as tf.Tensor2D;
    const width = tf.tensor2d(neighbourDistances(d2.dataSync(), B), [B, 1]);
    // −∞ on the diagonal: an image is not its own neighbour
    const logits = tf.sub(tf.div(tf.neg(d2), tf.mul(2, width)), tf.mul(1e9, tf.eye(B)));
    // the first two moments of u: its mean and, about the batch's, its spread (a suit whose size z half holds
    // has a smaller spread of u, and so its own slope of s on the size, which also costs the pooled r)
    const u2 = tf.square(u);
    const phi = tf.concat([u, tf.sub(u2, tf.mean(u2))], 1) as tf.Tensor2D;
    const local = tf.matMul(tf.softmax(logits, 1), phi);
    const term = tf.div(tf.sum(tf.mul(phi, local)), B) as tf.Scalar;
    if (!debiased) return term;
    const spread = phi.slice([0, 1], [-1, 1]);
    return tf.add(term, tf.div(tf.mean(tf.square(spread)), B - 1)) as tf.Scalar;
  });
}

/** Per row of the B × B squared distances: the squared distance to the k-th nearest other row (a constant). */
function neighbourDistances(d2: ArrayLike<number>, B: number): Float32Array {
  const k = Math.min(NEIGHBOURS, B - 1);
  const out = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    const row = Array.from({ length: B }, (_, j) => d2[i * B + j]).filter((_, j) => j !== i);
    row.sort((a, b) => a - b);
    // floor: identical z (e.g. the first steps) would give a zero width
    out[i] = Math.max(row[k - 1] ?? 1, 1e-4);
  }
  return out;
}

"""PyTorch reference models of ivae (bench/torch_ref.py): the same architecture, initial scale and loss as
src/models, written the way a PyTorch user would write them efficiently.

  encoder  P -> enc... (tanh) -> linear head of 2k (mean, log-variance), k = d (+1 angle) (+2 shift)
  coordinate decoder (rvae, skip, shift): layer 0 folded per image, A_b = R(gamma_b) W_c (one baddbmm), then
      tanh(h W_l + b_l [+ z U_l]) as [B*P, h] x [h, h] matmuls, logit = h w_out + b_out. Layer 0 as ivae's
      src/models/decode-core.ts `coordDecoderLogits`:
      "fourier" (ivae's default, bench default): h0 = sin(c_p A_b + o_b), o_b = b_0 - t_b A_b, and z_b W_z
          enters layer 1 as its per-image offset (skip: no U_1); init W_c ~ N(0, (0.3 (side - 1))^2),
          b_0 ~ U(-pi, pi), W_z Glorot(d, h)
      "linear" (pyroVED's, the time-to-result recipe): h0 = tanh(c_p A_b + o_b), o_b = z_b W_z + b_0 - t_b A_b
  VAE decoder: d -> dec... (tanh) -> P logits
  loss: sum over pixels of BCE-with-logits (times P/m on m subsampled pixels, as ivae's pixelSubsample)
      + KL_z + KL_angle(s_gamma) + KL_shift(s_dr), batch mean; one reparameterised sample per image.
"""
import math

VARIANTS = ("rvae", "skip", "shift", "vae")


def flops_per_image(variant, P, enc, dec, d, m=None):
    """Forward multiply-adds x 2 of one image (tanh and elementwise ops not counted), decoder on m pixels;
    the same formula as bench/flops.ts."""
    m = P if m is None else m
    extra = (1 if variant in ("rvae", "skip") else 0) + (2 if variant != "vae" else 0)
    f, fan = 0, P
    for w in enc:
        f += 2 * fan * w
        fan = w
    f += 2 * fan * 2 * (d + extra)
    if variant != "vae":
        h = dec[0]
        f += 2 * d * h + m * (2 * 2 * h + 2 * h)  # o_b, then layer 0 per pixel (c A + o)
        f += m * 2 * h * h * (len(dec) - 1)  # hidden layers
        if variant == "skip":
            f += 2 * d * h * (len(dec) - 1)  # z U_l per image
        f += m * 2 * h  # output
    else:
        fan = d
        for w in dec:
            f += 2 * fan * w
            fan = w
        f += 2 * fan * P
    return f


class Model:
    """Parameters and loss of one reference model; `params` go to the optimiser."""

    def __init__(self, torch, variant, size, enc, dec, d=2, rotation_prior=math.pi / 2, translation_prior=0.1,
                 coord_features="fourier"):
        assert variant in VARIANTS, variant
        assert coord_features in ("fourier", "linear"), coord_features
        # ivae: Fourier features need a second decoder layer for z (config.ts); otherwise linear
        self.fourier = variant != "vae" and coord_features == "fourier" and len(dec) >= 2
        self.t, self.variant, self.d = torch, variant, d
        self.rotation = variant in ("rvae", "skip")
        self.translation = variant != "vae"
        self.k = d + (1 if self.rotation else 0) + (2 if self.translation else 0)
        self.s_gamma, self.s_dr = rotation_prior, translation_prior
        self.P = P = size * size
        self.params = []
        nn = torch.nn

        def glorot(fi, fo):
            lim = math.sqrt(6 / (fi + fo))
            return self._reg(nn.Parameter(torch.empty(fi, fo).uniform_(-lim, lim)))

        def zeros(*s):
            return self._reg(nn.Parameter(torch.zeros(*s)))

        self.encW, fan = [], P
        for w in enc:
            self.encW.append((glorot(fan, w), zeros(w)))
            fan = w
        self.headW, self.headb = glorot(fan, 2 * self.k), zeros(2 * self.k)
        ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                                indexing="ij")
        self.coords = torch.stack([-1 + 2 * xs / (size - 1), 1 - 2 * ys / (size - 1)], -1).reshape(P, 2)
        if variant != "vae":
            h = dec[0]
            if self.fourier:  # random Fourier features: frequencies N(0, sigma^2) rad per grid unit, phases U(-pi, pi)
                self.Wc = self._reg(nn.Parameter(torch.randn(2, h) * (0.3 * (size - 1))))
                self.Wz = glorot(d, h)
                self.b0 = self._reg(nn.Parameter(torch.empty(h).uniform_(-math.pi, math.pi)))
            else:
                lim = math.sqrt(6 / (2 + d + h))
                self.Wc = self._reg(nn.Parameter(torch.empty(2, h).uniform_(-lim, lim)))
                self.Wz = self._reg(nn.Parameter(torch.empty(d, h).uniform_(-lim, lim)))
                self.b0 = zeros(h)
            # with Fourier features z enters layer 1 through W_z, so the skip-rVAE has no U there
            self.hidden = [(glorot(h, h), zeros(h),
                            glorot(d, h) if variant == "skip" and not (self.fourier and i == 0) else None)
                           for i in range(len(dec) - 1)]
            self.wOut, self.bOut = glorot(h, 1), zeros(1)
        else:
            self.decW, fan = [], d
            for w in dec:
                self.decW.append((glorot(fan, w), zeros(w)))
                fan = w
            self.outW, self.outb = glorot(fan, P), zeros(P)

    def _reg(self, p):
        self.params.append(p)
        return p

    def encode(self, x):
        """Posterior means and log-variances [B, k] each: columns z, (angle), (tx, ty)."""
        t, hh = self.t, x
        for W, b in self.encW:
            hh = t.tanh(t.addmm(b, hh, W))
        head = t.addmm(self.headb, hh, self.headW)
        return head[:, :self.k], head[:, self.k:]

    def decode(self, z, angle=None, shift=None, idx=None):
        """Logits [B, m] at pixel indices idx (all pixels when None)."""
        t = self.t
        B = z.shape[0]
        if self.variant == "vae":
            hh = z
            for W, b in self.decW:
                hh = t.tanh(t.addmm(b, hh, W))
            out = t.addmm(self.outb, hh, self.outW)
            return out if idx is None else out[:, idx]
        coords = self.coords if idx is None else self.coords[idx]
        m = coords.shape[0]
        if angle is not None:
            cos, sin = t.cos(angle)[:, None], t.sin(angle)[:, None]
            A = t.stack([cos * self.Wc[0] - sin * self.Wc[1], sin * self.Wc[0] + cos * self.Wc[1]], 1)  # [B,2,h]
        else:
            A = self.Wc.expand(B, *self.Wc.shape)
        zW = t.mm(z, self.Wz)
        o = self.b0.expand(B, -1) if self.fourier else zW + self.b0
        if shift is not None:
            o = o - t.bmm(shift[:, None, :], A)[:, 0]
        h = o.shape[1]
        pre0 = t.baddbmm(o[:, None, :], coords.expand(B, m, 2), A)
        hh = t.sin(pre0) if self.fourier else t.tanh(pre0)
        for i, (W, b, U) in enumerate(self.hidden):
            if self.fourier and i == 0:  # z W_z as layer 1's per-image offset
                hh = t.tanh(t.mm(hh.reshape(B * m, h), W).reshape(B, m, h) + (zW + b)[:, None, :])
            elif U is None:
                hh = t.tanh(t.addmm(b, hh.reshape(B * m, h), W))
            else:  # skip-rVAE: z U_l added per image
                hh = t.tanh(t.mm(hh.reshape(B * m, h), W).reshape(B, m, h) + t.addmm(b, z, U)[:, None, :])
        return t.addmm(self.bOut, hh.reshape(B * m, h), self.wOut).reshape(B, m)

    def split(self, smp):
        d = self.d
        angle = smp[:, d] if self.rotation else None
        j = d + (1 if self.rotation else 0)
        shift = smp[:, j:j + 2] if self.translation else None
        return smp[:, :d], angle, shift

    def loss(self, x, idx=None):
        t = self.t
        mean, logvar = self.encode(x)
        smp = mean + t.exp(0.5 * logvar) * t.randn_like(mean)
        z, angle, shift = self.split(smp)
        logits = self.decode(z, angle, shift, idx)
        target = x if idx is None else x[:, idx]
        scale = self.P / target.shape[1]
        rec = t.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(1).mean() * scale
        d = self.d
        loss = rec + 0.5 * (mean[:, :d] ** 2 + logvar[:, :d].exp() - 1 - logvar[:, :d]).sum(1).mean()
        j = d
        if self.rotation:
            loss = loss + self._kl(mean[:, j:j + 1], logvar[:, j:j + 1], self.s_gamma)
            j += 1
        if self.translation:
            loss = loss + self._kl(mean[:, j:j + 2], logvar[:, j:j + 2], self.s_dr)
        return loss

    def _kl(self, mean, logvar, s):
        return (math.log(s) - 0.5 * logvar + (logvar.exp() + mean ** 2) / (2 * s * s) - 0.5).sum(1).mean()

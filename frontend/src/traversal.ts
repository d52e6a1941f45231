/**
 * Traversal front end: sliders over z, angle and shift, a 2-D pad for (z1, z2), and the decoded
 * image. The decoder (weights from the `decoder_weights` buffer) runs here with tfjs, using the
 * same CoordDecoder code as the kernel (src/jupyter/decoder-math.ts), so a slider move redraws
 * the image in about a millisecond with no kernel round trip.
 */
import { DOMWidgetView } from "@jupyter-widgets/base";
import { TRAVERSAL_DEFAULTS, TRAVERSAL_PLACEHOLDERS, TraversalState, WireState } from "../../src/jupyter/state";
import { CoordDecoder } from "../../src/jupyter/decoder-math";
import { TypedModel, drawGrey, modelNames, ensureCss, f32, fmt, h, renderSafely } from "./common";
import { tf, tfReady } from "./tf";

/** Model of the Traversal widget (src/jupyter/state.ts TraversalState); one decoder per model, shared by its views. */
export class TraversalModel extends TypedModel<WireState<TraversalState>> {
  private decoderPromise: Promise<{ dec: CoordDecoder; backend: string }> | null = null;

  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      ...modelNames("TraversalModel", "TraversalView"),
      ...TRAVERSAL_PLACEHOLDERS,
      ...TRAVERSAL_DEFAULTS,
    };
  }

  override initialize(
    attributes: Backbone.ObjectHash,
    options: { model_id: string; comm?: unknown; widget_manager: unknown },
  ): void {
    super.initialize(attributes, options);
    this.listenTo(this, "change:decoder_weights change:decoder_config", () => {
      void this.decoderPromise?.then((d) => d.dec.dispose());
      this.decoderPromise = null;
    });
    // The kernel can ask for a decode to compare the browser's numbers with its own.
    this.on(
      "msg:custom",
      (content: { type?: string; id?: number; z?: number[]; angle?: number; dx?: number; dy?: number }) => {
        if (content?.type !== "decode") return;
        void this.decodeState({
          z: content.z ?? [],
          angle: content.angle ?? 0,
          dx: content.dx ?? 0,
          dy: content.dy ?? 0,
          label: this.get("label"),
        }).then(({ pixels, backend }) => {
          this.send({ type: "decoded", id: content.id ?? null, backend }, {}, [pixels.buffer as ArrayBuffer]);
        });
      },
    );
  }

  /** The decoder, built on first use. */
  decoder(): Promise<{ dec: CoordDecoder; backend: string }> {
    if (!this.decoderPromise) {
      this.decoderPromise = tfReady(this.get("backend")).then((backend) => {
        const cfg = this.get("decoder_config");
        const dec = new CoordDecoder(tf, cfg, f32(this.get("decoder_weights")));
        if (this.get("backend_used") !== backend) {
          this.set("backend_used", backend);
          this.save_changes();
        }
        return { dec, backend };
      });
    }
    return this.decoderPromise;
  }

  /** Decodes one image for a slider state (shift in px converted as models/grid pixelsToGrid). */
  async decodeState(s: {
    z: number[];
    angle: number;
    dx: number;
    dy: number;
    label: number;
  }): Promise<{ pixels: Float32Array; backend: string }> {
    const { dec, backend } = await this.decoder();
    const cfg = dec.config;
    const [H, W] = cfg.imageShape;
    const zin = new Float32Array(cfg.latentDim + cfg.conditionDim);
    zin.set(s.z.slice(0, cfg.latentDim));
    if (cfg.conditionDim > 0 && s.label >= 0) zin[cfg.latentDim + s.label] = 1;
    const pixels = dec.decode({
      z: zin,
      angle: Float32Array.of(s.angle),
      tx: Float32Array.of((2 * s.dx) / (W - 1)),
      ty: Float32Array.of((-2 * s.dy) / (H - 1)),
    });
    return { pixels, backend };
  }
}

/** View of the Traversal widget. */
export class TraversalView extends DOMWidgetView {
  declare model: TraversalModel;
  private img!: HTMLCanvasElement;
  private padCanvas!: HTMLCanvasElement;
  private status!: HTMLElement;
  private sliders: { [k: string]: { input: HTMLInputElement; out: HTMLOutputElement } } = {};
  private pending = false;
  private saveTimer = 0;
  /** Last decoded pixels and timing (read by the browser tests). */
  lastPixels: Float32Array | null = null;
  lastMs = 0;
  decodeCount = 0;

  override render(): void {
    renderSafely(this.el, "TraversalView", () => this.build());
  }

  private build(): void {
    ensureCss();
    const m = this.model;
    const cfg = m.get("decoder_config");
    const [H, W] = cfg.imageShape;
    const scale = m.get("scale");
    this.el.classList.add("ivae-widget", "ivae-traversal");
    this.img = h("canvas", { width: W * scale, height: H * scale, class: "ivae-patch", title: "decoded image" });
    this.status = h("div", { class: "ivae-status" }, "loading decoder…");
    const controls = h("div", { class: "ivae-side" });
    const [zlo, zhi] = m.get("z_range");
    if (m.get("pad") && cfg.latentDim >= 2) {
      this.padCanvas = h("canvas", {
        width: 170,
        height: 170,
        class: "ivae-plot",
        title: "drag to set z1 (→) and z2 (↑)",
      });
      controls.append(this.padCanvas);
      this.attachPad(zlo, zhi);
    }
    const slider = (
      key: string,
      label: string,
      lo: number,
      hi: number,
      step: number,
      get: () => number,
      set: (v: number) => void,
      show = fmt,
    ): void => {
      const input = h("input", {
        type: "range",
        min: String(lo),
        max: String(hi),
        step: String(step),
        "data-key": key,
      });
      const out = h("output", {});
      input.value = String(get());
      out.textContent = show(get());
      input.addEventListener("input", () => set(Number(input.value)));
      this.sliders[key] = { input, out };
      controls.append(h("label", { class: "ivae-slider" }, h("span", {}, label), input, out));
      (this.sliders[key] as unknown as { show: typeof show }).show = show;
    };
    for (let k = 0; k < cfg.latentDim; k++) {
      slider(
        `z${k}`,
        `z${k + 1}`,
        zlo,
        zhi,
        (zhi - zlo) / 200,
        () => m.get("z")[k],
        (v) => {
          const z = [...m.get("z")];
          z[k] = v;
          this.change({ z });
        },
      );
    }
    if (cfg.rotation) {
      const [alo, ahi] = m.get("angle_range");
      slider(
        "angle",
        "angle",
        alo,
        ahi,
        (ahi - alo) / 360,
        () => m.get("angle"),
        (v) => this.change({ angle: v }),
        (v) => `${Math.round((v * 180) / Math.PI)}°`,
      );
    }
    if (cfg.translation) {
      const [slo, shi] = m.get("shift_range");
      slider(
        "dx",
        "dx (px)",
        slo,
        shi,
        (shi - slo) / 100,
        () => m.get("dx"),
        (v) => this.change({ dx: v }),
      );
      slider(
        "dy",
        "dy (px)",
        slo,
        shi,
        (shi - slo) / 100,
        () => m.get("dy"),
        (v) => this.change({ dy: v }),
      );
    }
    if (cfg.conditionDim > 0) {
      const sel = h("select", {});
      for (let k = 0; k < cfg.conditionDim; k++) sel.append(h("option", { value: String(k) }, `class ${k}`));
      sel.value = String(m.get("label"));
      sel.onchange = () => this.change({ label: Number(sel.value) });
      controls.append(h("label", { class: "ivae-toolbar" }, "label", sel));
    }
    const reset = h("button", { class: "ivae-btn", textContent: "reset" });
    reset.onclick = () => this.change({ z: new Array(cfg.latentDim).fill(0), angle: 0, dx: 0, dy: 0 });
    controls.append(h("div", { class: "ivae-toolbar" }, reset), this.status);
    this.el.append(
      h(
        "div",
        { class: "ivae-title" },
        `Latent traversal · decoder ${cfg.latentDim}→${cfg.hidden.join("→")}→${H}×${W}`,
      ),
      h("div", { class: "ivae-row" }, this.img, controls),
    );
    this.listenTo(
      m,
      "change:z change:angle change:dx change:dy change:label",
      () => (this.syncSliders(), this.redraw()),
    );
    this.listenTo(m, "change:decoder_weights change:decoder_config", () => this.redraw());
    this.redraw();
    (this.el as unknown as { ivae: unknown }).ivae = { view: this };
  }

  /** Applies a slider change: model first (so the image follows at once), kernel save throttled. */
  private change(patch: { [k: string]: unknown }): void {
    this.model.set(patch);
    if (!this.saveTimer) {
      this.saveTimer = window.setTimeout(() => {
        this.saveTimer = 0;
        this.model.save_changes();
      }, 60);
    }
  }

  private syncSliders(): void {
    const m = this.model;
    const z = m.get("z");
    for (const [k, s] of Object.entries(this.sliders)) {
      const v = k.startsWith("z") ? z[Number(k.slice(1))] : (m.get(k) as number);
      if (document.activeElement !== s.input) s.input.value = String(v);
      s.out.textContent = (s as unknown as { show: (v: number) => string }).show(v);
    }
    this.drawPad();
  }

  /** Decodes the current state; coalesces bursts of slider events into one decode per frame. */
  private redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      const m = this.model as TraversalModel;
      const t0 = performance.now();
      void m
        .decodeState({ z: m.get("z"), angle: m.get("angle"), dx: m.get("dx"), dy: m.get("dy"), label: m.get("label") })
        .then(({ pixels, backend }) => {
          this.pending = false;
          const cfg = m.get("decoder_config");
          drawGrey(this.img, pixels, cfg.imageShape[0], cfg.imageShape[1]);
          this.lastPixels = pixels;
          this.lastMs = performance.now() - t0;
          this.decodeCount++;
          this.status.textContent = `tfjs ${backend} · ${this.lastMs.toFixed(1)} ms per image`;
          this.el.setAttribute("data-decodes", String(this.decodeCount));
          this.drawPad();
        })
        .catch((err: unknown) => {
          this.pending = false;
          console.error("TraversalView decode", err);
          this.status.textContent = `decoder error: ${String(err)}`;
        });
    });
  }

  private attachPad(lo: number, hi: number): void {
    const c = this.padCanvas;
    const set = (e: PointerEvent): void => {
      const r = c.getBoundingClientRect();
      const u = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
      const v = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
      const z = [...this.model.get("z")];
      z[0] = lo + u * (hi - lo);
      z[1] = hi - v * (hi - lo);
      this.change({ z });
    };
    let down = false;
    c.addEventListener("pointerdown", (e) => ((down = true), c.setPointerCapture(e.pointerId), set(e)));
    c.addEventListener("pointermove", (e) => down && set(e));
    c.addEventListener("pointerup", () => (down = false));
  }

  private drawPad(): void {
    if (!this.padCanvas) return;
    const g = this.padCanvas.getContext("2d")!;
    const S = this.padCanvas.width;
    const [lo, hi] = this.model.get("z_range");
    const z = this.model.get("z");
    g.clearRect(0, 0, S, S);
    g.strokeStyle = "#e2e2e2";
    for (let k = 1; k < 6; k++)
      (g.beginPath(),
        g.moveTo((k * S) / 6, 0),
        g.lineTo((k * S) / 6, S),
        g.moveTo(0, (k * S) / 6),
        g.lineTo(S, (k * S) / 6),
        g.stroke());
    g.strokeStyle = "#bbb";
    (g.beginPath(), g.moveTo(S / 2, 0), g.lineTo(S / 2, S), g.moveTo(0, S / 2), g.lineTo(S, S / 2), g.stroke());
    const px = ((z[0] - lo) / (hi - lo)) * S,
      py = (1 - (z[1] - lo) / (hi - lo)) * S;
    g.fillStyle = "#2f6fdf";
    (g.beginPath(), g.arc(px, py, 6, 0, 2 * Math.PI), g.fill());
    g.fillStyle = "#666";
    g.font = "10px system-ui,sans-serif";
    g.fillText("z1 →", S - 28, S - 4);
    g.fillText("z2 ↑", 3, 11);
  }
}

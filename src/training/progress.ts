/** One line of training progress, per epoch (and, on a terminal, updated during the epoch). */
export interface EpochReport {
  /** 1-based */
  epoch: number;
  epochs: number;
  /** loss = reconstruction + β Σ KL terms, mean over the epoch's images, nats per image */
  loss: number;
  /** the model's loss terms by name ("reconstruction", "klZ", ...), means over the epoch's images */
  terms: Record<string, number>;
  /** the same as terms.reconstruction, terms.klZ, ... under their old names (0 for a term the model lacks) */
  reconstruction: number;
  klZ: number;
  klAngle: number;
  klOffset: number;
  /** the KL weight used in this epoch */
  beta: number;
  /** wall-clock seconds of this epoch */
  seconds: number;
  /** estimated seconds until training ends */
  etaSeconds: number;
}

/** Where progress goes. `update` may be called several times per epoch (`final` false) and once at its end. */
export interface ProgressSink {
  update(line: string, final: boolean): void;
  /** called once when training ends (normally or not) */
  close?(): void;
}

/** Formats seconds as 1h02m, 3m05s or 12.3s. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${s.toFixed(1)}s`;
}

const LABELS: Record<string, string> = {
  reconstruction: "recon",
  klZ: "KL z",
  klAngle: "KL γ",
  klOffset: "KL Δr",
  klScale: "KL s",
  klClass: "KL c",
};

/** How a loss term is labelled in progress lines and plots: "KL γ" for klAngle; unknown names as they are. */
export function termLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** The progress line for an epoch report: the loss, then every term the model reported, by name. */
export function formatReport(r: EpochReport): string {
  const f = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));
  const terms = r.terms ?? { reconstruction: r.reconstruction, klZ: r.klZ, klAngle: r.klAngle, klOffset: r.klOffset };
  const parts = Object.entries(terms).map(([k, v]) => `${termLabel(k)} ${f(v)}`);
  return (
    `epoch ${String(r.epoch).padStart(String(r.epochs).length)}/${r.epochs}  loss ${f(r.loss)}  ${parts.join("  ")}  ` +
    `β ${r.beta.toFixed(2)}  ${r.seconds.toFixed(1)} s/epoch  left ${formatDuration(r.etaSeconds)}`
  );
}

/**
 * Progress on a terminal stream: in place with \r when the stream is a TTY (with updates during the
 * epoch), one line per epoch otherwise (logs, CI).
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stdout): ProgressSink {
  const tty = Boolean(stream.isTTY);
  let open = false;
  let lastLen = 0;
  return {
    update(line, final) {
      if (tty) {
        stream.write("\r" + line.padEnd(lastLen));
        lastLen = line.length;
        open = true;
        if (final) {
          stream.write("\n");
          open = false;
          lastLen = 0;
        }
      } else if (final) {
        stream.write(line + "\n");
      }
    },
    close() {
      if (open) stream.write("\n");
      open = false;
    },
  };
}

/** The sink a `progress` option names: none for false, the terminal for true or undefined, else the sink given. */
export function progressSink(progress: boolean | ProgressSink | undefined): ProgressSink | null {
  if (progress === false) return null;
  return progress === undefined || progress === true ? terminalProgress() : progress;
}

/**
 * Progress through a callback, one call per epoch, e.g. in a tslab notebook:
 * `progress: textProgress((s) => tslab.display.text(s))`.
 */
export function textProgress(write: (line: string) => void): ProgressSink {
  return {
    update: (line, final) => {
      if (final) write(line);
    },
  };
}

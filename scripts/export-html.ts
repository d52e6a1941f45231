#!/usr/bin/env node
/**
 * `npm run export-html -- notebook.ipynb out.html [--title T] [--hide-code]`
 *
 * Writes one self-contained HTML page of an executed notebook: markdown, code, outputs and the
 * ivae widgets rendered offline from the notebook's saved widget state by the inlined embed bundle
 * (no network, no CDN). Execute the notebook with the ivae kernel first so that the state is saved:
 *   jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=ivae nb.ipynb --output run.ipynb
 * See docs/widgets.md.
 */
import { exportNotebookHtml } from "../src/jupyter/export-notebook";

function main(argv: string[]): number {
  const files: string[] = [];
  let title: string | undefined;
  let hideCode = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--title") title = argv[++i];
    else if (a === "--hide-code") hideCode = true;
    else if (a === "-h" || a === "--help") files.length = 99;
    else files.push(a);
  }
  if (files.length !== 2 || title === "") {
    console.error("usage: npm run export-html -- notebook.ipynb out.html [--title TITLE] [--hide-code]");
    return 2;
  }
  const r = exportNotebookHtml(files[0], files[1], { title, hideCode });
  const missing = r.missingState.length
    ? `; ${r.missingState.length} widget output(s) without saved state shown as text ` +
      `(execute the notebook with the ivae kernel, e.g. jupyter nbconvert --execute)`
    : "";
  console.log(`export-html: ${files[1]}: ${r.widgets} widget view(s)${missing}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

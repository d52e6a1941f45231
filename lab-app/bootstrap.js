// Entry point. Shared modules (module federation) cannot be consumed eagerly, so nothing shared is imported here:
// the app starts behind an async import, as JupyterLab's own staging/bootstrap.js does.

// Chunks are served from LabServerApp's static folder, whose URL the server writes into the page config.
const config = JSON.parse(document.getElementById('jupyter-config-data')?.textContent || '{}');
// eslint-disable-next-line no-undef
__webpack_public_path__ = config.fullStaticUrl + '/';

import('./index.js').then((m) => m.main()).catch((e) => {
  console.error('ivae test lab failed to start', e);
  window.__ivaeLabError = String((e && e.stack) || e);
});

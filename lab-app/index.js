// The test Lab's main(): the same sequence as JupyterLab 4's generated staging/index.js, with a fixed plugin list.
// Federated extensions listed by the server (page config `federated_extensions`, read from every labextensions
// folder on the Jupyter path) are loaded from their remoteEntry and share this app's module scope.
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { JupyterLab } from '@jupyterlab/application';
import './build/style.js';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.onerror = () => reject(new Error(`failed to load ${url}`));
    s.onload = resolve;
    s.async = true;
    s.src = url;
    document.head.appendChild(s);
  });
}

async function loadComponent(url, scope) {
  await loadScript(url);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[scope];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

async function createModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

// Plugins that need a package this minimal app leaves out (status bar, search, table of contents, language server,
// metadata form) and the news poll (it would ask the internet): not activated, so every plugin error left is real.
const LEFT_OUT = new Set([
  '@jupyterlab/apputils-extension:announcements',
  '@jupyterlab/apputils-extension:kernel-status',
  '@jupyterlab/apputils-extension:running-sessions-status',
  '@jupyterlab/notebook-extension:kernel-status',
  '@jupyterlab/notebook-extension:language-server',
  '@jupyterlab/notebook-extension:search',
  '@jupyterlab/notebook-extension:toc',
  '@jupyterlab/notebook-extension:update-raw-mimetype',
]);

function* activePlugins(mod) {
  let exports = mod.hasOwnProperty('__esModule') ? mod.default : mod;
  if (!Array.isArray(exports)) exports = [exports];
  for (const plugin of exports) {
    if (LEFT_OUT.has(plugin.id) || PageConfig.Extension.isDisabled(plugin.id)) continue;
    yield plugin;
  }
}

export async function main() {
  const extensionData = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  const loaded = await Promise.allSettled(extensionData.map(async (data) => {
    await loadComponent(URLExt.join(PageConfig.getOption('fullLabextensionsUrl'), data.name, data.load), data.name);
    return data;
  }));
  const federated = [];
  const federatedMime = [];
  const styles = [];
  for (const p of loaded) {
    if (p.status === 'rejected') { console.error(p.reason); continue; }
    const data = p.value;
    if (data.extension) federated.push(createModule(data.name, data.extension));
    if (data.mimeExtension) federatedMime.push(createModule(data.name, data.mimeExtension));
    if (data.style && !PageConfig.Extension.isDisabled(data.name)) styles.push(createModule(data.name, data.style));
  }

  const mimeExtensions = [];
  for (const p of await Promise.allSettled(federatedMime)) {
    if (p.status === 'fulfilled') for (const plugin of activePlugins(p.value)) mimeExtensions.push(plugin);
    else console.error(p.reason);
  }

  const register = [];
  for (const mod of [
    require('@jupyterlab/application-extension'),
    require('@jupyterlab/apputils-extension'),
    require('@jupyterlab/codemirror-extension'),
    require('@jupyterlab/docmanager-extension'),
    require('@jupyterlab/filebrowser-extension'),
    require('@jupyterlab/launcher-extension'),
    require('@jupyterlab/mainmenu-extension'),
    require('@jupyterlab/markedparser-extension'),
    require('@jupyterlab/notebook-extension'),
    require('@jupyterlab/rendermime-extension'),
    require('@jupyterlab/services-extension'),
    require('@jupyterlab/theme-light-extension'),
    require('@jupyterlab/translation-extension'),
    require('@jupyterlab/ui-components-extension'),
    require('@jupyter-widgets/jupyterlab-manager'),
  ]) {
    for (const plugin of activePlugins(mod)) register.push(plugin);
  }
  const federatedIds = [];
  for (const p of await Promise.allSettled(federated)) {
    if (p.status === 'fulfilled') {
      for (const plugin of activePlugins(p.value)) { register.push(plugin); federatedIds.push(plugin.id); }
    } else console.error(p.reason);
  }
  (await Promise.allSettled(styles)).filter((p) => p.status === 'rejected').forEach((p) => console.error(p.reason));

  const lab = new JupyterLab({ mimeExtensions });
  lab.registerPlugins(register);
  // The tests drive the app through its command registry, as JupyterLab does with exposeAppInBrowser.
  window.jupyterapp = lab;
  window.ivaeLab = { federated: extensionData.map((d) => d.name), federatedPlugins: federatedIds };
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  window.ivaeLab.restored = true;
}

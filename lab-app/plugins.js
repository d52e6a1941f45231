// The JupyterLab 4 plugin packages this test Lab is assembled from (official npm packages, versions pinned in
// package.json). Each entry is bundled into the app; ivae's own widgets are NOT here: they arrive at run time as a
// federated extension from a labextensions folder, as in a user's Lab. Shared with webpack.config.js.
module.exports = [
  '@jupyterlab/application-extension',
  '@jupyterlab/apputils-extension',
  '@jupyterlab/codemirror-extension',
  '@jupyterlab/docmanager-extension',
  '@jupyterlab/filebrowser-extension',
  '@jupyterlab/launcher-extension',
  '@jupyterlab/mainmenu-extension',
  '@jupyterlab/markedparser-extension',
  '@jupyterlab/notebook-extension',
  '@jupyterlab/rendermime-extension',
  '@jupyterlab/services-extension',
  '@jupyterlab/theme-light-extension',
  '@jupyterlab/translation-extension',
  '@jupyterlab/ui-components-extension',
  '@jupyter-widgets/jupyterlab-manager',
];

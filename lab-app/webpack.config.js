// Builds the test Lab (see README.md) the way JupyterLab's own core build does: @jupyterlab/builder's base rules,
// Build.ensureAssets for schemas, style imports and the theme CSS, and module federation so that federated
// extensions (ivae-widgets) share @jupyter-widgets/base, lumino and @jupyterlab/* with the app.
const path = require('path');
const webpack = require('webpack');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');
const plugins = require('./plugins');

const BUILD = path.join(__dirname, 'build');
const themeConfig = Build.ensureAssets({
  packageNames: plugins, output: BUILD, schemaOutput: BUILD, themeOutput: BUILD,
});

// Share every package JupyterLab 4.6.4 shares (its core.package.json resolutions) that is installed here, as
// singletons where JupyterLab makes them singletons; this is what a federated extension expects to find.
const core = require('@jupyterlab/core-meta/core.package.json');
const singletons = new Set(core.jupyterlab.singletonPackages);
const shared = {};
for (const name of Object.keys(core.resolutions)) {
  let version;
  try {
    version = require(`${name}/package.json`).version;
  } catch {
    continue; // not part of this minimal app
  }
  shared[name] = { requiredVersion: `~${version}`, version, singleton: singletons.has(name) };
}
// The widget manager provides @jupyter-widgets/base to widget extensions (in a pip JupyterLab: jupyterlab_widgets).
for (const name of ['@jupyter-widgets/base', '@jupyter-widgets/controls', '@jupyter-widgets/output']) {
  const version = require(`${name}/package.json`).version;
  shared[name] = { requiredVersion: `^${version}`, version, singleton: true };
}

module.exports = [
  {
    ...baseConfig,
    mode: 'production',
    entry: { bundle: './bootstrap.js' },
    output: {
      path: path.join(BUILD, 'static'),
      filename: '[name].js',
      chunkFilename: '[name].[contenthash].js',
      hashFunction: 'sha256',
    },
    optimization: { minimize: false },
    performance: { hints: false },
    devtool: false,
    plugins: [
      ...baseConfig.plugins,
      new webpack.container.ModuleFederationPlugin({
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        name: 'CORE_FEDERATION',
        shared,
      }),
    ],
  },
  ...themeConfig,
];

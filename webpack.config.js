// Bundles the channel provider page: Streams + TaskJS + the wasm bridge → dist/ (a static site).
// No eval-based source maps and no inline script, so dist/ runs under a strict Content-Security-Policy.
const path = require("path");
const fs = require("fs");
const HtmlWebpackPlugin = require("html-webpack-plugin");

// Files served beside the page as they are: the stylesheet and an example configuration for admins.
const STATIC_FILES = ["style.css", "config.example.json"];

class CopyStaticFiles {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("CopyStaticFiles", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "CopyStaticFiles", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          for (const name of STATIC_FILES) {
            const file = path.resolve(__dirname, "www", name);
            if (!fs.existsSync(file)) continue;
            compilation.fileDependencies.add(file);
            compilation.emitAsset(name, new compiler.webpack.sources.RawSource(fs.readFileSync(file)));
          }
        },
      );
    });
  }
}

module.exports = (_env, argv) => ({
  mode: argv.mode || "production",
  entry: "./www/index.js",
  output: {
    path: path.resolve(__dirname, "dist"),
    filename: "[name].[contenthash].js",
    webassemblyModuleFilename: "[hash].module.wasm",
    publicPath: "auto",
    clean: true,
  },
  devtool: false,
  experiments: { asyncWebAssembly: true },
  performance: { hints: false },
  plugins: [
    new HtmlWebpackPlugin({ template: "./www/index.html", inject: "body", scriptLoading: "defer" }),
    new CopyStaticFiles(),
  ],
});

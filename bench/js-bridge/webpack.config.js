// Builds the plain-JS comparison bridge (bench only) into bench/out/js-bridge/, served by the workbench in place
// of dist/ for the comparison run of bench/bench.mjs.
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");

module.exports = {
  mode: "production",
  context: __dirname,
  entry: "./index.js",
  output: { path: path.resolve(__dirname, "..", "out", "js-bridge"), filename: "[name].[contenthash].js", clean: true },
  devtool: false,
  performance: { hints: false },
  plugins: [new HtmlWebpackPlugin({ template: "./index.html", inject: "body", scriptLoading: "defer" })],
};

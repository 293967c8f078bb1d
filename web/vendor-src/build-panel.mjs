// `make vendor` runs this after `npm ci`: esbuild bundles panel/ (this project's
// properties provider) with bpmn-js-properties-panel into one committed file. Same
// lockfile, same output, byte for byte: CI checks that it reproduces.
import { build } from 'esbuild';

await build({
  entryPoints: [ 'panel/index.js' ],
  outfile: '../static/vendor/nbassist-panel/nbassist-panel.js',
  bundle: true,
  minify: true,
  format: 'iife',
  target: [ 'es2020' ],
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning'
});

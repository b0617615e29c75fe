// @actions/github is published as an ES module only (its exports map has no `require` entry).
// The TypeScript sources compile to CommonJS, and ncc resolves a `require` of it to nothing; an
// ES module re-exporting it is resolved with the `import` condition, so the bundles carry it.
export { context, getOctokit } from '@actions/github';

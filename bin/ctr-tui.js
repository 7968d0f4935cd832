#!/usr/bin/env node
// React's production build: the development one costs about twice the CPU per frame.
process.env.NODE_ENV ??= 'production';
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The built CLI lives in dist/ (npm ci builds it); this shim exists before the build so npm links the bin.
let cli;
try {
  cli = await import('../dist/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('main.js')) {
    console.error('syncframe is not built yet: run `npm run build` (npm ci does it).');
    process.exit(1);
  }
  throw err;
}
await cli.main();

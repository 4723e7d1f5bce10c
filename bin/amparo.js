#!/usr/bin/env node
// `amparo` on PATH (npx amparo …): hands over to the TypeScript entry point, which Node 24 runs directly.
import '../src/cli/main.ts';

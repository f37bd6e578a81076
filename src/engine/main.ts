#!/usr/bin/env node
import { runEngineForeground } from './foreground.js';

/**
 * The engine's own entry point, used by `ensureEngine()` to start it in the background:
 * it loads only the engine, not the whole CLI.
 */
try {
  process.exitCode = await runEngineForeground();
} catch (error) {
  process.stderr.write(
    `engine failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}

#!/usr/bin/env node
/** The `apogee` executable. */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv, process.env);

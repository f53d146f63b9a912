// Entry point of ./bin/npn-onboard: the program lives in program.ts so tests can build it.
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));

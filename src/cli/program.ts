// The npn-onboard command line (the entry point is main.ts). Each command prints one JSON object on stdout; bad input gets a
// one-line message on stderr and exit code 2; no stack traces (NPN_ONBOARD_DEBUG=1 shows them).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDemo } from './demo/demo.js';
import { registerDevices } from './devices.js';
import { registerInit } from './init.js';
import { registerOpenApiCommand } from './openapi.js';
import { registerServe } from './serve.js';
import { registerAuthCheck } from './tools/auth-check.js';
import { registerEapAkaPrime } from './tools/eap-aka-prime.js';
import { registerEat } from './tools/eat.js';
import { registerFiveGAka } from './tools/five-g-aka.js';
import { registerMilenage } from './tools/milenage.js';
import { registerSuci } from './tools/suci.js';
import { CliFailure, CliUsageError } from './usage-error.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERNAL = 70; // EX_SOFTWARE

function version(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('npn-onboard')
    .description('zero-touch onboarding of devices into private 5G networks (SNPN)')
    .version(version())
    .showSuggestionAfterError(true);
  registerInit(program);
  registerServe(program);
  registerDemo(program);
  registerOpenApiCommand(program);
  registerDevices(program);
  const tools = program
    .command('tools')
    .description('the 3GPP authentication toolbox: one JSON object per command, lower-case hex');
  registerMilenage(tools);
  registerFiveGAka(tools);
  registerEapAkaPrime(tools);
  registerSuci(tools);
  registerAuthCheck(tools);
  registerEat(tools);

  // Commander errors (unknown option, missing argument) become one line and exit code 2.
  const configure = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({
      // Commander puts its "(Did you mean ...?)" on a line of its own: fold it into one line.
      outputError: (message, write) =>
        write(
          `npn-onboard: ${message
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

function commandPath(program: Command, argv: readonly string[]): string {
  const names: string[] = [];
  let cmd: Command | undefined = program;
  for (const arg of argv) {
    const next: Command | undefined = cmd?.commands.find((c) => c.name() === arg);
    if (!next) break;
    names.push(arg);
    cmd = next;
  }
  return ['npn-onboard', ...names].join(' ');
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    const where = commandPath(program, argv);
    if (err instanceof CliUsageError) {
      process.stderr.write(`${where}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CliFailure) {
      process.stderr.write(`${where}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    const detail = process.env.NPN_ONBOARD_DEBUG ? `\n${(err as Error).stack ?? ''}` : '';
    process.stderr.write(
      `${where}: internal error (${(err as Error).name ?? 'Error'}); rerun with NPN_ONBOARD_DEBUG=1 for details${detail}\n`,
    );
    return EXIT_INTERNAL;
  }
}

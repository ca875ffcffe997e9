// The `stammkunde` command. Each subcommand lives in commands/<name>.ts and registers itself here.
import { Command } from 'commander';
import { commands } from '#cli/commands/index';

const program = new Command()
  .name('stammkunde')
  .description('Stammkunde: campaigns, segments and retention mail for online shops')
  .showHelpAfterError();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures print one line, never a stack trace.
  console.error(`stammkunde: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

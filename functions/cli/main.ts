// The `stammkunde` command. Each subcommand lives in commands/<name>.ts and registers itself here.
import { Command } from 'commander';
import { commands } from '#cli/commands/index';

// Local runs on Node 20 are supported; the SDK's notice that its 2027 releases need Node 22
// would otherwise interrupt every command's output (Lambda runs Node 24).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `stammkunde replay ... | head`: the reader went away; there is nobody left to tell, so exit quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

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

// Every subcommand's register function, in help order. Add one line per new command.
import type { Command } from 'commander';
import { register as validate } from '#cli/commands/validate';
import { register as schema } from '#cli/commands/schema';
import { register as preview } from '#cli/commands/preview';
import { register as demo } from '#cli/commands/demo';
import { register as replay } from '#cli/commands/replay';
import { register as local } from '#cli/commands/local';
import { register as publish } from '#cli/commands/publish';
import { register as campaigns } from '#cli/commands/campaigns';
import { register as pauseResumeArchive } from '#cli/commands/pause';
import { register as importCustomers } from '#cli/commands/import';
import { register as status } from '#cli/commands/status';
import { register as gdpr } from '#cli/commands/gdpr';
import { register as coupons } from '#cli/commands/coupons';
import { register as report } from '#cli/commands/report';
import { register as upgrade } from '#cli/commands/upgrade';
import { register as referrals } from '#cli/commands/referrals';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  validate,
  schema,
  preview,
  demo,
  replay,
  local,
  publish,
  campaigns,
  pauseResumeArchive,
  status,
  report,
  gdpr,
  importCustomers,
  coupons,
  referrals,
  upgrade,
];

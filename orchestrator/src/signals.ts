// Parses a signal argument the way runc does: a number, or a name with or without "SIG".
// Names come from flags.def's signal table, so the CLI and the plan agree on numbers.
import { PlancError } from './errors.js';
import { SIGNALS } from './gen/signals.js';

export function parseSignal(arg: string): number {
  // runc takes any number and lets kill(2) judge it ("unable to signal init: invalid argument")
  if (/^\d+$/.test(arg)) return Number(arg);
  const name = arg.toUpperCase().startsWith('SIG') ? arg.toUpperCase() : `SIG${arg.toUpperCase()}`;
  const hit = SIGNALS.find(([n]) => n === name);
  if (hit) return hit[1];
  throw new PlancError(`unknown signal "${arg}"`);
}

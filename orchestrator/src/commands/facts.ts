// `planc facts`: prints the host-facts record the planner would be given on this host.
// Read only; the output can be passed to `planc plan --host-facts` on another machine.
import { gatherHostFacts } from '../facts.js';
import { stdout } from '../out.js';

export function factsCommand(): void {
  stdout(JSON.stringify(gatherHostFacts(), null, 2) + '\n');
}

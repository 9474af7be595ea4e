// `planc facts`: prints the host-facts record the planner would be given on this host, or with
// --profiles the named host profiles. Read only; the output can be passed to `planc plan --host-facts`.
import { gatherHostFacts } from '../facts.js';
import { stdout } from '../out.js';
import { listProfiles } from '../audit/profiles.js';

export function factsCommand(o: { profiles?: boolean } = {}): void {
  if (o.profiles) {
    const rows = listProfiles().map((p) => `${p.name.padEnd(20)} ${p.description}`);
    stdout(rows.join('\n') + (rows.length ? '\n' : ''));
    return;
  }
  stdout(JSON.stringify(gatherHostFacts(), null, 2) + '\n');
}

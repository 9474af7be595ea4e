// Prints the corpus differential table (planc vs runc on every corpus config and fixture):
// `npx bun spec-tests/corpus-run.ts [--json] [name-substring…]`, as root. Changes nothing it keeps.
import { corpusEntries, formatTable, runCorpus } from './helpers/corpus.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => a !== '--json');
const entries = corpusEntries().filter((e) => !filters.length || filters.some((f) => e.name.includes(f)));
const { results, leftovers } = await runCorpus(entries);
if (json) console.log(JSON.stringify(results, null, 2));
else console.log(formatTable(results));
for (const l of leftovers) console.error(`left behind: ${l}`);
process.exitCode = leftovers.length ? 1 : 0;

// Writes validate results as SARIF 2.1.0 (one run, the rule tables as the driver's rules), the
// format code-scanning tools ingest. Formatting only: severities come from the planner's tables.
import type { RuleInfo } from '../planner.js';
import type { FileReport } from './validate.js';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(files: FileReport[], rules: RuleInfo[], strict: boolean, version: string): unknown {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const level = (s: RuleInfo['severity']): string => (strict && s === 'warning' ? 'error' : LEVEL[s]);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'planc',
          version,
          rules: rules.map((r) => ({
            id: r.id,
            shortDescription: { text: r.description },
            defaultConfiguration: { level: level(r.severity) },
            properties: { severity: r.severity },
          })),
        },
      },
      results: files.flatMap((f) => f.findings.map((x) => ({
        ruleId: x.rule,
        ...(index.has(x.rule) ? { ruleIndex: index.get(x.rule) } : {}),
        level: level(x.severity),
        message: { text: x.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: f.uri },
            region: { startLine: x.line, startColumn: x.column },
          },
          logicalLocations: [{ fullyQualifiedName: x.pointer || '/', kind: 'member' }],
        }],
        properties: { pointer: x.pointer },
      }))),
    }],
  };
}

// Regenerates the rule ids in the `gohazard.rules` setting's schema (package.json) from the
// output of `gohazard rules` (one `id  severity  [fix]  summary` line per rule), so completion and
// hovers in settings.json list every rule the binary knows. Unknown ids stay allowed by the schema
// (`additionalProperties`), so an extension older than its binary still passes new rules through.
//
//   node scripts/gen-rules.mjs [path/to/gohazard]   (default: ../../target/release/gohazard, else PATH)
//   node scripts/gen-rules.mjs --check [path]       exit 1 if package.json is stale
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const explicit = args.find((a) => !a.startsWith('--'));
const fallback = join(root, '..', '..', 'target', 'release', 'gohazard');
const bin = explicit ?? (existsSync(fallback) ? fallback : 'gohazard');

const RULE = {
  anyOf: [
    {
      type: 'object',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Run this rule.' },
        severity: { type: 'string', enum: ['error', 'warning', 'info', 'hint'], description: 'Severity of its findings.' },
      },
      additionalProperties: false,
    },
    { type: 'boolean', description: 'Shorthand for {"enabled": …}.' },
    { type: 'string', enum: ['error', 'warning', 'info', 'hint'], description: 'Shorthand for {"severity": …}.' },
  ],
};

const text = execFileSync(bin, ['rules'], { encoding: 'utf8' });
const rules = {};
for (const line of text.split('\n')) {
  const m = /^(\S+)\s+(error|warning|info|hint)\s+(fix\s+)?(.*)$/.exec(line.trimEnd());
  if (!m) {
    continue;
  }
  const [, id, severity, fix, summary] = m;
  const doc = summary && summary !== 'TODO' ? summary : 'See `gohazard explain ' + id + '`.';
  rules[id] = {
    ...RULE,
    markdownDescription: `${doc}\n\nDefault severity: \`${severity}\`${fix ? '; has a quick fix' : ''}. Details: \`gohazard explain ${id}\`.`,
  };
}
if (Object.keys(rules).length === 0) {
  console.error(`${bin} rules printed no rules:\n${text}`);
  process.exit(2);
}


const pkgPath = join(root, 'package.json');
const before = readFileSync(pkgPath, 'utf8');
const pkg = JSON.parse(before);
const setting = pkg.contributes.configuration.properties['gohazard.rules'];
delete setting.definitions;
setting.properties = rules;
setting.additionalProperties = RULE;
const after = JSON.stringify(pkg, null, 2) + '\n';
if (check) {
  if (after !== before) {
    console.error('package.json lists other rules than `gohazard rules`: run `npm run rules` in editors/vscode.');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(pkgPath, after);
  console.log(`package.json: gohazard.rules now lists ${Object.keys(rules).length} rules`);
}

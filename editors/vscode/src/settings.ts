// The server's settings from VS Code's `gohazard.*` settings. No `vscode` import here, so the unit
// tests can run this file under plain Node.

/** What VS Code knows about one setting: its effective value and whether the user set it anywhere. */
export interface SettingValue {
  value: unknown;
  set: boolean;
}

/** Reads the setting `gohazard.<key>`. */
export type SettingReader = (key: string) => SettingValue;

/** VS Code setting (under `gohazard.`) to the key the server reads. */
export const SERVER_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['debounceMs', 'debounceMs'],
  ['maxBodyBytes', 'maxBodyBytes'],
  ['longTimeout', 'longTimeout'],
  ['contextTypes', 'contextTypes'],
  ['filterFunctions', 'filterFunctions'],
  ['rules', 'rules'],
];

/** Settings whose change needs a new server process rather than a `didChangeConfiguration`. */
export const RESTART_KEYS = ['path', 'args'];

export const SEVERITIES = ['error', 'warning', 'info', 'hint'];

/**
 * The object sent as `initializationOptions` and in `workspace/didChangeConfiguration`.
 *
 * Only settings the user set are sent: the server lays the client's settings over the workspace's
 * `gohazard.toml`, so sending VS Code's defaults would silently override that file.
 */
export function serverSettings(read: SettingReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [vscodeKey, serverKey] of SERVER_KEYS) {
    const s = read(vscodeKey);
    if (!s.set || s.value === undefined || s.value === null) {
      continue;
    }
    out[serverKey] = serverKey === 'rules' ? cleanRules(s.value) : s.value;
  }
  return out;
}

/** Keeps the well-formed part of `gohazard.rules`; the server reports anything else it cannot use. */
function cleanRules(value: unknown): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rules;
  }
  for (const [id, setting] of Object.entries(value as Record<string, unknown>)) {
    if (typeof setting === 'boolean') {
      // A shorthand people write by hand: `"long-timeout": false`.
      rules[id] = { enabled: setting };
    } else if (typeof setting === 'string' && SEVERITIES.includes(setting)) {
      // And `"unclosed-body": "error"`.
      rules[id] = { severity: setting };
    } else if (typeof setting === 'object' && setting !== null) {
      rules[id] = setting;
    }
  }
  return rules;
}

/** Expands `~`, `${userHome}` and `${workspaceFolder}` in a configured path. */
export function expandPath(path: string, home: string, workspaceFolder: string | undefined): string {
  let p = path.trim();
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = home + p.slice(1);
  }
  p = p.replace(/\$\{userHome\}/g, home);
  if (workspaceFolder !== undefined) {
    p = p.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  return p;
}

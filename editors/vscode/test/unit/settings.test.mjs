// Unit tests of the settings translation (src/settings.ts, bundled to out/settings.js by
// scripts/build.mjs). Run: npm run build:dev && npm run test:unit
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const { serverSettings, expandPath } = createRequire(import.meta.url)('../../out/settings.js');

const reader = (values) => (key) => (key in values ? { value: values[key], set: true } : { value: undefined, set: false });

test('only settings the user set are sent, so gohazard.toml keeps its say', () => {
  assert.deepEqual(serverSettings(reader({})), {});
  assert.deepEqual(serverSettings(reader({ debounceMs: 0, longTimeout: '30s' })), { debounceMs: 0, longTimeout: '30s' });
});

test('every server key is translated', () => {
  const all = {
    debounceMs: 50,
    maxBodyBytes: 4096,
    longTimeout: '1m',
    contextTypes: ['api.Context'],
    filterFunctions: ['toolbox.GetInfo'],
    rules: { 'double-next': { enabled: true, severity: 'warning' } },
  };
  assert.deepEqual(serverSettings(reader(all)), all);
});

test('rule shorthands become the server shape, junk is dropped', () => {
  const got = serverSettings(reader({ rules: { 'long-timeout': false, 'unclosed-body': 'error', x: 3, y: 'loud', z: { enabled: false } } }));
  assert.deepEqual(got, { rules: { 'long-timeout': { enabled: false }, 'unclosed-body': { severity: 'error' }, z: { enabled: false } } });
  assert.deepEqual(serverSettings(reader({ rules: [] })), { rules: {} });
});

test('paths expand ~, ${userHome} and ${workspaceFolder}', () => {
  assert.equal(expandPath(' ~/bin/gohazard ', '/home/a', undefined), '/home/a/bin/gohazard');
  assert.equal(expandPath('${userHome}/g', '/home/a', '/w'), '/home/a/g');
  assert.equal(expandPath('${workspaceFolder}/bin/gohazard', '/home/a', '/w'), '/w/bin/gohazard');
  assert.equal(expandPath('gohazard', '/home/a', '/w'), 'gohazard');
});

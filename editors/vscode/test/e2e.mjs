// Drives a running code-server (VS Code's workbench) in Chromium with puppeteer-core, as a person
// would: open the Go file, wait for the Problems count, take a screenshot of the Problems panel,
// open the quick fixes on the second `ctx.Next()`, take a screenshot, apply the fix, and check the
// editor text and the Problems count. Exits 0 on success, 1 with "FAIL: …" otherwise.
//
//   node e2e.mjs   with env URL, WORKSPACE (folder on disk), SCREENSHOTS (folder), CHROMIUM,
//                  PUPPETEER (path to the puppeteer-core package), MODE (full|smoke), TIMEOUT_S (default 240)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    console.error(`FAIL: ${name} is not set`);
    process.exit(1);
  }
  return v;
};
const url = env('URL');
const workspace = env('WORKSPACE');
const shots = env('SCREENSHOTS');
const chromium = env('CHROMIUM', '/usr/bin/chromium');
const puppeteer = createRequire(import.meta.url)(env('PUPPETEER'));
const timeoutS = Number(env('TIMEOUT_S', '240'));
// full: everything; smoke: stops once the Problems count shows the finding (for the universal package).
const mode = env('MODE', 'full');

const FILE = 'mw/logging.go';
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

let browser;
let page;
let finished = false;

async function fail(msg) {
  if (finished) return;
  finished = true;
  console.error(`FAIL: ${msg}`);
  try {
    if (page) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'failure.png') });
      console.error(`FAIL: screenshot of the page at ${join(shots, 'failure.png')}`);
    }
  } catch {
    // The page may be gone.
  }
  await browser?.close().catch(() => undefined);
  process.exit(1);
}

// Never hang CI: one global deadline for everything below.
const deadline = setTimeout(() => void fail(`timed out after ${timeoutS} s`), timeoutS * 1000);
deadline.unref();

/** Polls `fn` in the page until it returns a truthy value; fails with `what` after `ms`. */
async function waitFor(what, fn, ms, ...args) {
  try {
    const handle = await page.waitForFunction(fn, { timeout: ms, polling: 100 }, ...args);
    return await handle.jsonValue();
  } catch (e) {
    return fail(`${what} (waited ${ms / 1000} s): ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  }
}

/** The Problems status bar entry's total, as {label, total}, when above 0. */
const problemTotal = () => {
  const el = document.getElementById('status.problems');
  const label = el ? el.getAttribute('aria-label') || el.textContent || '' : '';
  const total = (label.match(/\d+/g) || []).map(Number).reduce((a, b) => a + b, 0);
  return total > 0 ? { label, total } : null;
};

/** The text of the visible editor lines (Monaco renders spaces as NBSP). */
const editorText = () => {
  const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
  if (!editor) return null;
  const lines = [...editor.querySelectorAll('.view-line')]
    .map((l) => ({ top: parseFloat(l.style.top || '0'), text: l.textContent.replace(/\u00a0/g, ' ') }))
    .sort((a, b) => a.top - b.top);
  return lines.map((l) => l.text).join('\n');
};


async function chord(...keys) {
  for (const k of keys) await page.keyboard.down(k);
  for (const k of [...keys].reverse()) await page.keyboard.up(k);
}

/** Opens a file with Quick Open (Ctrl+P), as a person would. */
async function openFile(name) {
  await chord('Control', 'KeyP');
  await waitFor('Quick Open did not open', () => !!document.querySelector('.quick-input-widget:not([style*="display: none"]) input'), 15000);
  await page.keyboard.type(name, { delay: 20 });
  await waitFor(
    `Quick Open did not list ${name}`,
    (n) => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => r.textContent.includes(n)),
    15000,
    name,
  );
  await page.keyboard.press('Enter');
  await waitFor(
    `${name} did not open in an editor`,
    (n) => {
      const tab = document.querySelector('.tab.active');
      return !!tab && tab.textContent.includes(n) && !!document.querySelector('.editor-instance .view-lines .view-line');
    },
    15000,
    name,
  );
}

/** Waits until the active editor shows `count` matches of `needle`. */
async function waitForCount(what, needle, count, ms) {
  return waitFor(
    what,
    (n, c) => {
      const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
      const text = editor ? editor.textContent.replace(/\u00a0/g, ' ') : '';
      return text.split(n).length - 1 === c ? text : null;
    },
    ms,
    needle,
    count,
  );
}

/** Polls a file on disk until `pred` holds; returns its text, or fails. */
async function waitForDisk(what, file, pred, ms) {
  const t0 = Date.now();
  let text = '';
  while (Date.now() - t0 < ms) {
    text = readFileSync(join(workspace, file), 'utf8');
    if (pred(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  return fail(`${what}:\n${text}`);
}

async function main() {
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,800'],
    defaultViewport: { width: 1280, height: 800 },
    protocolTimeout: 60000,
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message.split('\n')[0]}`));
  // Record every text the gohazard status item shows, scans included, however short.
  await page.evaluateOnNewDocument(() => {
    window.__gohazardStatus = [];
    const seen = () => {
      for (const el of document.querySelectorAll('.statusbar-item')) {
        const t = (el.getAttribute('aria-label') || el.textContent || '').trim();
        // The item's element id is `<extension id>.<item id>`, gohazard.gohazard.gohazard.status.
        if (/gohazard\.status$/.test(el.id) && window.__gohazardStatus.at(-1) !== t) window.__gohazardStatus.push(t);
      }
    };
    new MutationObserver(seen).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  log(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await waitFor('the workbench did not load', () => !!document.querySelector('.monaco-workbench .part.editor'), 90000);
  log('workbench loaded');

  // The gohazard status item shows once the extension activated and the server runs.
  const status = await waitFor(
    'the gohazard status item never showed the server running',
    () => window.__gohazardStatus.find((t) => /gohazard/.test(t) && !/starting|scanning|error|stopped|not found/i.test(t)),
    60000,
  );
  log(`status item: ${JSON.stringify(status)}`);

  // Open the file with Quick Open, as a person would.
  await openFile('logging.go');
  log('logging.go is open');

  const before = await waitFor('the editor shows no text', editorText, 10000);
  if ((before.match(/ctx\.Next\(\)/g) || []).length !== 2) {
    return fail(`expected two ctx.Next() calls in the editor before the fix, got:\n${before}`);
  }

  // The open file's finding, then those of the two files not open, from the workspace scan.
  const counts = await waitFor(
    'the Problems count never showed a problem (no diagnostics from gohazard)',
    problemTotal,
    60000,
  );
  log(`Problems count: ${counts.total} (${counts.label})`);
  if (mode === 'smoke') {
    const shown = await page.evaluate(() => window.__gohazardStatus);
    log(`status item texts seen: ${JSON.stringify(shown)}`);
    finished = true;
    await browser.close();
    log('PASS (smoke)');
    return;
  }
  const all = await waitFor(
    'the Problems count never reached 3: the workspace scan did not report recovery.go and timing.go, which are not open',
    () => {
      const el = document.getElementById('status.problems');
      const label = el ? el.getAttribute('aria-label') || el.textContent || '' : '';
      const total = (label.match(/\d+/g) || []).map(Number).reduce((a, b) => a + b, 0);
      return total >= 3 ? { label, total } : null;
    },
    60000,
  );
  log(`Problems count: ${all.total} (${all.label}) once the workspace scan reported`);

  // The Problems panel, with the finding listed.
  await chord('Control', 'Shift', 'KeyM');
  const row = await waitFor(
    'the Problems panel does not list the double-next finding',
    () => {
      const rows = [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((r) => r.textContent);
      return rows.find((t) => t.includes('double-next') || t.includes('ctx.Next()')) ?? null;
    },
    15000,
  );
  log(`Problems panel row: ${row.slice(0, 160)}`);
  await new Promise((r) => setTimeout(r, 500));
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'vscode-problems.png') });
  log(`screenshot ${join(shots, 'vscode-problems.png')}`);

  // Go to the second ctx.Next() (line 16), back in the editor, and open the quick fixes.
  const lines = readFileSync(join(workspace, FILE), 'utf8').split('\n');
  const second = lines.findLastIndex((l) => l.includes('ctx.Next()')) + 1;
  await page.click('.editor-instance .view-lines');
  await chord('Control', 'KeyG');
  await waitFor('Go to Line did not open', () => !!document.querySelector('.quick-input-widget:not([style*="display: none"]) input'), 15000);
  await page.keyboard.type(`${second}:5`, { delay: 20 });
  await page.keyboard.press('Enter');
  await new Promise((r) => setTimeout(r, 300));
  await chord('Control', 'Period');
  const items = await waitFor(
    'Ctrl+. showed no gohazard quick fix',
    () => {
      const rows = [...document.querySelectorAll('.action-widget .monaco-list-row, .context-view .monaco-list-row')]
        .map((r) => r.textContent.trim())
        .filter((t) => t.length > 0);
      return rows.some((t) => t.includes('Remove the extra')) ? rows : null;
    },
    20000,
  );
  log(`quick fixes: ${JSON.stringify(items)}`);
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: join(shots, 'vscode-quickfix.png') });
  log(`screenshot ${join(shots, 'vscode-quickfix.png')}`);

  // Apply it: click the item.
  const clicked = await page.evaluate(() => {
    const row = [...document.querySelectorAll('.action-widget .monaco-list-row, .context-view .monaco-list-row')].find((r) =>
      r.textContent.includes('Remove the extra'),
    );
    if (!row) return false;
    row.scrollIntoView();
    const r = row.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  });
  if (!clicked) return fail('the quick fix item vanished before it could be clicked');
  await page.mouse.click(clicked.x, clicked.y);

  const after = await waitFor(
    'the quick fix did not remove the second ctx.Next() from the editor',
    () => {
      const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
      if (!editor) return null;
      const text = [...editor.querySelectorAll('.view-line')]
        .map((l) => ({ top: parseFloat(l.style.top || '0'), text: l.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text)
        .join('\n');
      return (text.match(/ctx\.Next\(\)/g) || []).length === 1 ? text : null;
    },
    15000,
  );
  log('the editor now has one ctx.Next()');
  const expected = lines.slice(0, second - 1).concat(lines.slice(second));
  // The editor renders only the lines in view: they must be a run of the expected file's lines.
  // Monaco renders tabs as spaces: compare without indentation.
  const norm = (ls) => ls.map((l) => l.trim());
  const shown = norm(after.split('\n'));
  const want = norm(expected);
  const at = want.findIndex((_, i) => shown.every((l, k) => want[i + k] === l));
  if (shown.length === 0 || at < 0 || !shown.some((l) => l.includes('ctx.Next()'))) {
    return fail(`the editor text after the fix is not the file without line ${second}:\n${after}`);
  }

  const cleared = await waitFor(
    'the Problems count did not drop by one after the fix',
    (before) => {
      const el = document.getElementById('status.problems');
      const label = el ? el.getAttribute('aria-label') || el.textContent || '' : '';
      const total = (label.match(/\d+/g) || []).map(Number).reduce((a, b) => a + b, 0);
      return total === before - 1 ? label : null;
    },
    20000,
    all.total,
  );
  log(`Problems count after the fix: ${all.total - 1} (${cleared})`);

  // Save, and check the file on disk too.
  await chord('Control', 'KeyS');
  await waitForDisk(
    `after saving, ${FILE} on disk is not the file without line ${second}`,
    FILE,
    (t) => t === expected.join('\n'),
    15000,
  );
  log('saved: the file on disk has one ctx.Next()');

  // "gohazard: Fix All Hazards in File" from the Command Palette.
  await openFile('recovery.go');
  await waitForCount('recovery.go does not show two c.Next() calls', 'c.Next()', 2, 10000);
  await chord('Control', 'Shift', 'KeyP');
  await waitFor('the Command Palette did not open', () => !!document.querySelector('.quick-input-widget:not([style*="display: none"]) input'), 15000);
  await page.keyboard.type('gohazard: Fix All', { delay: 20 });
  await waitFor(
    'the Command Palette does not list "gohazard: Fix All Hazards in File"',
    () => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => r.textContent.includes('Fix All Hazards in File')),
    15000,
  );
  await page.keyboard.press('Enter');
  await waitForCount('the Fix All command did not remove the second c.Next() from recovery.go', 'c.Next()', 1, 15000);
  log('Fix All command: recovery.go now has one c.Next()');
  await chord('Control', 'KeyS');
  await waitForDisk('recovery.go was not saved with one c.Next()', 'mw/recovery.go', (t) => t.split('c.Next()').length - 1 === 1, 15000);

  // editor.codeActionsOnSave {"source.fixAll.gohazard": "explicit"}: saving fixes the file.
  await openFile('timing.go');
  await waitForCount('timing.go does not show two c.Next() calls', 'c.Next()', 2, 10000);
  await new Promise((r) => setTimeout(r, 1000));
  await chord('Control', 'KeyS');
  await waitForDisk(
    'saving timing.go with editor.codeActionsOnSave did not remove the second c.Next()',
    'mw/timing.go',
    (t) => t.split('c.Next()').length - 1 === 1 && t.includes('c.Set("elapsed"'),
    20000,
  );
  log('codeActionsOnSave: saving timing.go removed the second c.Next()');

  // "gohazard: Restart Server": the status item goes through starting and shows the server running again.
  const mark = await page.evaluate(() => window.__gohazardStatus.length);
  await chord('Control', 'Shift', 'KeyP');
  await waitFor('the Command Palette did not open', () => !!document.querySelector('.quick-input-widget:not([style*="display: none"]) input'), 15000);
  await page.keyboard.type('gohazard: Restart Server', { delay: 20 });
  await waitFor(
    'the Command Palette does not list "gohazard: Restart Server"',
    () => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => r.textContent.includes('Restart Server')),
    15000,
  );
  await page.keyboard.press('Enter');
  await waitFor(
    'after "gohazard: Restart Server" the status item did not show the server starting and then running',
    (from) => {
      const after = window.__gohazardStatus.slice(from);
      const i = after.findIndex((t) => /starting/i.test(t));
      return i >= 0 && after.slice(i + 1).some((t) => /running/i.test(t));
    },
    30000,
    mark,
  );
  log('Restart Server: the server stopped, started and runs again');

  const seen = await page.evaluate(() => window.__gohazardStatus);
  writeFileSync(join(shots, 'status-item.json'), JSON.stringify(seen, null, 2));
  log(`status item texts seen: ${JSON.stringify(seen)}`);
  if (!seen.some((t) => /scanning/i.test(t))) {
    return fail('the status item never showed the workspace scan');
  }

  finished = true;
  await browser.close();
  log('PASS');
}

main().catch((e) => fail(e instanceof Error ? e.stack ?? e.message : String(e)));

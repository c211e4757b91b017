import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import { RESTART_KEYS, expandPath, serverSettings } from './settings';

const SECTION = 'gohazard';
/** The server's own fix-all kind; `editor.codeActionsOnSave: {"source.fixAll.gohazard": "explicit"}` uses it. */
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('gohazard');
/** The title of the server's workspace scan progress. */
const SCAN_TITLE = 'gohazard';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: StatusItem;
/** Serialises start/stop/restart, which settings changes and commands can ask for at once. */
let lifecycle: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('gohazard', { log: true });
  status = new StatusItem();
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand('gohazard.restartServer', () => queue(() => restart(context))),
    vscode.commands.registerCommand('gohazard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('gohazard.fixAll', fixAll),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) {
        return;
      }
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) {
        void queue(() => restart(context));
      } else if (client?.isRunning()) {
        void client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { [SECTION]: currentSettings() },
        });
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => queue(() => restart(context))),
  );
  await queue(() => start(context));
}

export async function deactivate(): Promise<void> {
  await queue(stop);
}

function queue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

/** The server settings from VS Code's, sent only when the user set them (see `serverSettings`). */
function currentSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return serverSettings((key) => {
    const i = config.inspect(key);
    const set =
      i !== undefined &&
      [i.globalValue, i.workspaceValue, i.workspaceFolderValue, i.globalLanguageValue, i.workspaceLanguageValue, i.workspaceFolderLanguageValue].some(
        (v) => v !== undefined,
      );
    return { value: config.get(key), set };
  });
}

interface Resolved {
  command: string;
  /** Where the command came from, for messages. */
  from: string;
}

/** `gohazard.path`, else the binary shipped in a platform build of the extension, else PATH. */
function resolveServer(context: vscode.ExtensionContext): Resolved | string {
  const exe = process.platform === 'win32' ? 'gohazard.exe' : 'gohazard';
  const config = vscode.workspace.getConfiguration(SECTION);
  // In an untrusted workspace VS Code ignores workspace values of the restricted settings
  // (`capabilities.untrustedWorkspaces` in package.json), so a cloned repository cannot choose the binary.
  const configured = config.get<string | null>('path');
  if (configured && configured.trim() !== '') {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let p = expandPath(configured, os.homedir(), folder);
    if (!path.isAbsolute(p) && (p.includes('/') || p.includes('\\'))) {
      p = path.resolve(folder ?? os.homedir(), p);
    }
    if (path.isAbsolute(p) && !isFile(p)) {
      return `gohazard.path is "${configured}", but ${p} does not exist.`;
    }
    return { command: p, from: 'gohazard.path' };
  }
  const bundled = context.asAbsolutePath(path.join('bin', exe));
  if (isFile(bundled)) {
    ensureExecutable(bundled);
    return { command: bundled, from: 'the binary shipped with the extension' };
  }
  const onPath = findOnPath(exe);
  if (onPath) {
    return { command: onPath, from: 'PATH' };
  }
  return (
    'The gohazard binary was not found: this build of the extension does not ship one and `gohazard` is not on PATH. ' +
    'Install it (`cargo install --path server` in the gohazard repository) or set gohazard.path.'
  );
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Some ways of installing a .vsix lose the file mode of the shipped binary. */
function ensureExecutable(p: string): void {
  if (process.platform === 'win32') {
    return;
  }
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch {
    try {
      fs.chmodSync(p, 0o755);
    } catch (e) {
      output.warn(`could not make ${p} executable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function findOnPath(exe: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isFile(path.join(dir, exe))) {
      return path.join(dir, exe);
    }
  }
  return undefined;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const resolved = resolveServer(context);
  if (typeof resolved === 'string') {
    output.error(resolved);
    status.stopped('binary not found');
    void vscode.window.showErrorMessage(resolved, 'Open Settings', 'Show Output').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'gohazard.path');
      } else if (choice === 'Show Output') {
        output.show(true);
      }
    });
    return;
  }
  const args = ['lsp', ...(vscode.workspace.getConfiguration(SECTION).get<string[]>('args') ?? [])];
  output.info(`Starting ${resolved.command} ${args.join(' ')} (from ${resolved.from})`);
  // No `transport`: vscode-languageclient would append `--stdio` for TransportKind.stdio. The server
  // accepts `--stdio` anyway, for other clients that add it.
  const executable = { command: resolved.command, args, options: { env: process.env } };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  let restarts = 0;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'go' },
      { scheme: 'untitled', language: 'go' },
    ],
    initializationOptions: currentSettings(),
    outputChannel: output,
    traceOutputChannel: output,
    // The server logs through `tracing` on stderr: keep each line's level instead of showing all as errors.
    stdioOptions: {
      stdout: (input, channel) => forwardLines(input, (line) => channel.info(line)),
      stderr: (input, channel) => forwardLines(input, (line) => logServerLine(channel, line)),
    },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        // Up to three crashes are restarted; then the status item says so and waits for the restart command.
        restarts++;
        if (restarts <= 3) {
          return { action: CloseAction.Restart };
        }
        status.stopped('the server crashed; run "gohazard: Restart Server"');
        return { action: CloseAction.DoNotRestart, message: 'The gohazard server stopped 4 times; see the gohazard output.' };
      },
    },
    middleware: {
      workspace: {
        // The server pulls section `gohazard` after a `didChangeConfiguration` with null settings:
        // answer with the same object the push sends.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return params.items.map((item, i) => (item.section === SECTION ? currentSettings() : result[i]));
        },
      },
      handleWorkDoneProgress: (token, params, next) => {
        status.progress(token, params);
        next(token, params);
      },
    },
  };
  const c = new LanguageClient('gohazard', 'gohazard', serverOptions, clientOptions);
  c.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      status.idle(c.initializeResult?.serverInfo?.version);
    } else if (e.newState === State.Starting) {
      status.starting();
    } else if (e.newState === State.Stopped && client === c) {
      status.stopped('stopped');
    }
  });
  client = c;
  status.starting();
  try {
    await c.start();
  } catch (e) {
    const msg = `gohazard: the server (${resolved.command}) could not start: ${e instanceof Error ? e.message : String(e)}`;
    output.error(msg);
    status.stopped('failed to start');
    void vscode.window.showErrorMessage(msg, 'Show Output').then((choice) => choice && output.show(true));
  }
}

function forwardLines(input: NodeJS.ReadableStream, emit: (line: string) => void): void {
  let rest = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() !== '') {
        emit(line);
      }
    }
  });
  input.on('end', () => rest.trim() !== '' && emit(rest));
}

/** `2026-01-01T00:00:00.000000Z  WARN gohazard::lsp: text` to `channel.warn("gohazard::lsp: text")`. */
function logServerLine(channel: vscode.LogOutputChannel, line: string): void {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  const m = /^\S+Z\s+(ERROR|WARN|INFO|DEBUG|TRACE)\s+(.*)$/.exec(plain);
  if (!m) {
    channel.error(plain);
    return;
  }
  const text = m[2];
  switch (m[1]) {
    case 'ERROR':
      channel.error(text);
      break;
    case 'WARN':
      channel.warn(text);
      break;
    case 'INFO':
      channel.info(text);
      break;
    case 'DEBUG':
      channel.debug(text);
      break;
    default:
      channel.trace(text);
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5000);
    } catch (e) {
      output.warn(`stopping the server: ${e instanceof Error ? e.message : String(e)}`);
    }
    await c.dispose().catch(() => undefined);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  await stop();
  await start(context);
}

/** Applies the server's `source.fixAll.gohazard` action to the active Go file. */
async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'go') {
    void vscode.window.showInformationMessage('gohazard: open a Go file to fix.');
    return;
  }
  const doc = editor.document;
  const range = new vscode.Range(0, 0, doc.lineCount, 0);
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, FIX_ALL_KIND.value)) ?? [];
  const action = actions.find((a) => a.kind !== undefined && FIX_ALL_KIND.contains(a.kind) && a.edit !== undefined);
  if (!action?.edit) {
    void vscode.window.setStatusBarMessage('gohazard: nothing to fix', 3000);
    return;
  }
  if (!(await vscode.workspace.applyEdit(action.edit))) {
    void vscode.window.showErrorMessage('gohazard: the fixes could not be applied (the file changed meanwhile?).');
    return;
  }
  void vscode.window.setStatusBarMessage(`gohazard: ${action.title}`, 5000);
}

/** The status bar item: server state, and the workspace scan while it runs. */
class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('gohazard.status', vscode.StatusBarAlignment.Left, 10);
  /** The progress token of the workspace scan while it runs. */
  private scanToken: string | number | undefined;
  private version: string | undefined;

  constructor() {
    this.item.name = 'gohazard';
    this.item.command = 'gohazard.showOutput';
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.scanToken = undefined;
    this.set('$(loading~spin) gohazard', 'gohazard: starting the server');
  }

  idle(version?: string): void {
    this.version = version ?? this.version;
    this.scanToken = undefined;
    this.set('$(shield) gohazard', `gohazard${this.version ? ' ' + this.version : ''}: running. Click for the output.`);
  }

  stopped(why: string): void {
    this.scanToken = undefined;
    this.set('$(error) gohazard', `gohazard: ${why}. Click for the output.`, new vscode.ThemeColor('statusBarItem.errorBackground'));
  }

  progress(token: string | number, value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd): void {
    if (value.kind === 'begin') {
      if (value.title !== SCAN_TITLE) {
        return;
      }
      this.scanToken = token;
      this.scan(value.message, value.percentage);
    } else if (token !== this.scanToken) {
      return;
    } else if (value.kind === 'report') {
      this.scan(value.message, value.percentage);
    } else {
      this.idle();
    }
  }

  private scan(message?: string, percentage?: number): void {
    const pct = percentage !== undefined ? ` ${Math.round(percentage)}%` : '';
    this.set(`$(sync~spin) gohazard: scanning${pct}`, `gohazard: scanning the workspace${message ? ` (${message})` : ''}`);
  }

  private set(text: string, tooltip: string, background?: vscode.ThemeColor): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background;
  }

  dispose(): void {
    this.item.dispose();
  }
}

//! A minimal LSP client that drives the real `gohazard` binary over stdio, for end-to-end tests.
//! It also checks that every byte the server writes to stdout is a well-formed JSON-RPC frame.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Runs the `gohazard` binary with `args` in `dir` and waits for it.
pub fn gohazard(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gohazard")).args(args).current_dir(dir).output().expect("run gohazard")
}

/// Like [`gohazard`], with `input` on standard input.
pub fn gohazard_stdin(args: &[&str], dir: &std::path::Path, input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gohazard"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gohazard");
    // A process that exits early (a usage error under test) closes its stdin: the write may then
    // fail with a broken pipe, which is not what the tests look at.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

/// The `file://` URI of a local path, as the tests' clients send it.
pub fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// Copies a directory tree (a fixture workspace into a temporary directory).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Result<Value, String>>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    backlog: Vec<Value>,
    /// Problems seen on stdout (bytes that are not a frame, bodies that are not JSON).
    pub stdout_problems: Arc<Mutex<Vec<String>>>,
    /// Requests the server sent to the client (answered with a null result).
    pub server_requests: Vec<Value>,
}

fn read_frame(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Ok(None);
        }
        if line == "\r\n" {
            break;
        }
        let Some(value) = line.strip_prefix("Content-Length: ") else {
            if line.starts_with("Content-Type: ") {
                continue;
            }
            return Err(format!("not a JSON-RPC header on stdout: {line:?}"));
        };
        length = Some(value.trim().parse::<usize>().map_err(|e| e.to_string())?);
    }
    let n = length.ok_or("frame without Content-Length")?;
    let mut body = vec![0; n];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(Some(body))
}

impl Client {
    pub fn spawn(args: &[&str]) -> Client {
        Client::spawn_with_env(args, &[])
    }

    /// [`Client::spawn`] with environment variables set for the server.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gohazard"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("GOHAZARD_TEST_STDERR").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("spawn gohazard");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        let problems = Arc::new(Mutex::new(Vec::new()));
        let p2 = problems.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                match read_frame(&mut reader) {
                    Ok(Some(body)) => match serde_json::from_slice::<Value>(&body) {
                        Ok(v) => {
                            if tx.send(Ok(v)).is_err() {
                                return;
                            }
                        }
                        Err(e) => p2.lock().unwrap().push(format!("frame body is not JSON: {e}")),
                    },
                    Ok(None) => return,
                    Err(e) => {
                        p2.lock().unwrap().push(e.clone());
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        Client {
            child,
            stdin: Some(stdin),
            rx,
            next_id: 1,
            backlog: Vec::new(),
            stdout_problems: problems,
            server_requests: Vec::new(),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the server's stdin, as a client that vanished would.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `wait` for the server to exit on its own.
    pub fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.send_raw(&frame);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Receives the next message, answering requests from the server (progress, registrations)
    /// with an empty success so it never waits on us.
    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.checked_duration_since(Instant::now())?;
        match self.rx.recv_timeout(left) {
            Ok(Ok(msg)) => {
                if msg.get("method").is_some() && msg.get("id").is_some() {
                    let id = msg["id"].clone();
                    self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
                    self.server_requests.push(msg.clone());
                }
                Some(msg)
            }
            Ok(Err(e)) => panic!("server wrote something that is not JSON-RPC to stdout: {e}"),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("server closed stdout"),
        }
    }

    /// Sends a request and returns the whole response (with `result` or `error`).
    pub fn request_full(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.recv(deadline).unwrap_or_else(|| panic!("no response to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            if msg.get("method").is_some() && msg.get("id").is_none() {
                self.backlog.push(msg);
            }
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request_full(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// Waits for a notification `method` whose params satisfy `pred`.
    pub fn wait_for(&mut self, method: &str, mut pred: impl FnMut(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(|m| m["method"] == method && pred(&m["params"])) {
            return self.backlog.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.recv(deadline).unwrap_or_else(|| panic!("timed out waiting for {method}"));
            if msg["method"] == method && pred(&msg["params"]) {
                return msg["params"].clone();
            }
            if msg.get("method").is_some() && msg.get("id").is_none() {
                self.backlog.push(msg);
            }
        }
    }

    /// Forgets the notifications about `uri` received so far and not yet waited for: a document
    /// closed and opened again starts its versions at 1 again, and a publish of the old document's
    /// early version must not pass for the new one's.
    pub fn forget(&mut self, uri: &str) {
        self.backlog.retain(|m| m["params"]["uri"] != uri);
    }

    /// Receives messages for `wait`, keeping notifications, so that server requests get answered.
    pub fn pump(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while let Some(msg) = self.recv(deadline) {
            if msg.get("method").is_some() && msg.get("id").is_none() {
                self.backlog.push(msg);
            }
        }
    }

    /// Notifications received so far (and not consumed by `wait_for`) named `method`.
    pub fn seen(&self, method: &str) -> Vec<Value> {
        self.backlog.iter().filter(|m| m["method"] == method).map(|m| m["params"].clone()).collect()
    }

    /// Waits for the diagnostics of `uri` at document version `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let p = self.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri && p["version"] == version);
        p["diagnostics"].as_array().unwrap().clone()
    }

    pub fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        self.initialize_with(
            json!({"processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": options}),
        )
    }

    pub fn initialize_with(&mut self, params: Value) -> Value {
        let result = self.request("initialize", params);
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
        );
    }

    /// Shuts the server down and returns its exit status.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let problems = self.stdout_problems.lock().unwrap().clone();
                assert!(problems.is_empty(), "stdout had non-JSON-RPC output: {problems:?}");
                return status;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A guard in front of the JSON-RPC transport.
//!
//! tower-lsp-server reads stdin through tokio-util's `FramedRead`, which ends the stream after the
//! first frame it cannot decode: one malformed message from a buggy client would shut the server
//! down. This filter reads frames itself and forwards only those whose body is a JSON-RPC message;
//! anything else is logged and dropped, and the server keeps serving.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tracing::warn;

/// Frames larger than this are refused: no editor sends a 256 MiB message, and a bogus length must
/// not make the server allocate it.
const MAX_FRAME: usize = 256 << 20;

/// Copies valid frames from `input` to `output` until `input` ends.
pub async fn filter(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut reader = BufReader::new(input);
    loop {
        let length = match read_headers(&mut reader).await {
            Ok(Some(n)) => n,
            Ok(None) => break,
            Err(e) => {
                warn!("dropping malformed message header: {e}");
                continue;
            }
        };
        if length > MAX_FRAME {
            warn!("dropping a {length}-byte message (limit {MAX_FRAME})");
            // Skip the body without keeping it.
            if tokio::io::copy(&mut (&mut reader).take(length as u64), &mut tokio::io::sink()).await.is_err() {
                break;
            }
            continue;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            break;
        }
        if let Err(why) = check_message(&body) {
            warn!("dropping a message that is not JSON-RPC: {why}");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        if output.write_all(header.as_bytes()).await.is_err() || output.write_all(&body).await.is_err() {
            break;
        }
    }
    let _ = output.shutdown().await;
}

/// Reads one header block. `Ok(None)` at the end of input; `Err` for a block without a valid length.
async fn read_headers(reader: &mut (impl AsyncBufReadExt + Unpin)) -> Result<Option<usize>, String> {
    let mut length = None;
    let mut saw_any = false;
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return if saw_any { Err("input ended inside a header".into()) } else { Ok(None) };
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_any {
                // Stray blank lines between messages are harmless.
                continue;
            }
            return length.map(Some).ok_or_else(|| "header block without Content-Length".to_string());
        }
        saw_any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<usize>().map_err(|e| format!("bad Content-Length {value:?}: {e}"))?);
            }
        }
    }
}

/// Accepts a JSON object with `"jsonrpc": "2.0"` and a `method` or an `id`, or a batch of them.
fn check_message(body: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let ok = |v: &Value| {
        v.get("jsonrpc") == Some(&Value::from("2.0")) && (v.get("method").is_some() || v.get("id").is_some())
    };
    match &value {
        Value::Object(_) if ok(&value) => Ok(()),
        _ => Err(format!("{:.80}", value.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(input: &[u8]) -> String {
        let mut out = Vec::new();
        filter(input, &mut out).await;
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn valid_frames_pass_and_garbage_is_dropped() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = format!(
            "Content-Length: 9\r\n\r\n{{garbage}}Content-Length: 17\r\n\r\n{{\"hello\":\"world\"}}\
             X-Nonsense\r\n\r\nContent-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{good}",
            good.len()
        );
        assert_eq!(run(input.as_bytes()).await, format!("Content-Length: {}\r\n\r\n{good}", good.len()));
    }

    #[tokio::test]
    async fn truncated_input_ends_cleanly() {
        assert_eq!(run(b"Content-Length: 50\r\n\r\n{\"jsonrpc\"").await, "");
        assert_eq!(run(b"Content-Le").await, "");
    }
}

//! Standard input and output for the JSON-RPC transport, each on a thread of its own, and a guard
//! in front of the input.
//!
//! tower-lsp-server reads stdin through tokio-util's `FramedRead`, which ends the stream after the
//! first frame it cannot decode: one malformed message from a buggy client would shut the server
//! down. This filter reads frames itself and forwards only those whose body is a JSON-RPC message;
//! anything else is logged and dropped, and the server keeps serving.

use std::future::Future;
use std::io::{BufRead, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tracing::warn;

/// Frames larger than this are refused: no editor sends a 256 MiB message, and a bogus length must
/// not make the server allocate it.
const MAX_FRAME: usize = 256 << 20;

/// Frames read ahead of the server: past this many, the reader waits, and so does the client.
const QUEUE: usize = 64;

/// Reads standard input on a thread of its own, which passes each valid frame straight to the
/// server's reader. Tokio's `stdin` reads on a blocking thread that hands the bytes to a task: a
/// filter task in between made two hand-offs between threads per message, each a wake-up that a
/// busy machine makes slow; this makes one. The thread ends when input ends or the server is gone.
pub fn stdin() -> FrameReader {
    let (tx, rx) = mpsc::channel(QUEUE);
    let reader = FrameReader { rx, frame: Vec::new(), at: 0 };
    let spawned = std::thread::Builder::new().name("gohazard-stdin".into()).spawn(move || {
        filter(std::io::stdin().lock(), |frame| tx.blocking_send(frame).is_ok());
    });
    if let Err(e) = spawned {
        // Without the thread the reader sees the end of input at once and the server exits.
        tracing::error!("cannot start the thread that reads standard input: {e}");
    }
    reader
}

/// The server's side of [`stdin`]: the frames, one after another, as a byte stream.
pub struct FrameReader {
    rx: mpsc::Receiver<Vec<u8>>,
    frame: Vec<u8>,
    at: usize,
}

impl AsyncRead for FrameReader {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        while this.at == this.frame.len() {
            match this.rx.poll_recv(cx) {
                Poll::Ready(Some(frame)) => (this.frame, this.at) = (frame, 0),
                // The end of input: a read of no bytes.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = buf.remaining().min(this.frame.len() - this.at);
        buf.put_slice(&this.frame[this.at..this.at + n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

/// Writes to standard output on a thread of its own. Tokio's `stdout` starts a blocking task for
/// each write and another for each flush, and the writing task waits for each: four hand-offs
/// between threads per message. Here the server's writer hands each buffer over and goes on, and
/// only waits when `QUEUE` buffers are not written yet (a client that stopped reading).
pub fn stdout() -> (FrameWriter, WriterDone) {
    writer_to(|| std::io::stdout().lock(), QUEUE)
}

/// [`stdout`] to what `open` returns on the writing thread, with `queue` buffers at most waiting.
fn writer_to<W: Write>(open: impl FnOnce() -> W + Send + 'static, queue: usize) -> (FrameWriter, WriterDone) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<u8>, OwnedSemaphorePermit)>();
    let (done_tx, done) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("gohazard-stdout".into()).spawn(move || {
        let mut out = open();
        while let Some((bytes, permit)) = rx.blocking_recv() {
            if out.write_all(&bytes).and_then(|()| out.flush()).is_err() {
                // The client is gone; the server notices when its input ends.
                break;
            }
            drop(permit);
        }
        let _ = done_tx.send(());
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the thread that writes standard output: {e}");
    }
    let slots = Arc::new(Semaphore::new(queue));
    let direct = Direct(Arc::new(Mutex::new(Some((tx.clone(), slots.clone())))));
    let writer = FrameWriter { tx, slots, waiting: None, direct };
    (writer, WriterDone(done))
}

/// Sends whole messages to the thread of [`stdout`] beside the server's own writer, which the
/// transport feeds from the protocol loop: a message sent through the transport wakes that loop's
/// thread, which serializes and hands it on, two hand-offs between threads where this makes one.
/// The diagnostics of a keystroke go this way. The thread writes each message it is handed whole,
/// so messages from both never interleave; `QUEUE` bounds both together.
#[derive(Clone)]
pub struct Direct(Arc<Mutex<Option<Sender>>>);

type Sender = (mpsc::UnboundedSender<(Vec<u8>, OwnedSemaphorePermit)>, Arc<Semaphore>);

impl Direct {
    /// Frames `body`, a JSON-RPC message, and hands it to the writing thread, waiting while
    /// `QUEUE` messages are not written yet. Returns false once output is closed.
    pub async fn send(&self, body: &[u8]) -> bool {
        let Some((tx, slots)) = self.0.lock().ok().and_then(|d| d.clone()) else { return false };
        let Ok(permit) = slots.acquire_owned().await else { return false };
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let mut frame = Vec::with_capacity(header.len() + body.len());
        frame.extend_from_slice(header.as_bytes());
        frame.extend_from_slice(body);
        tx.send((frame, permit)).is_ok()
    }

    /// Stops sending: the writing thread ends once the server's writer is gone too, and not
    /// later because a task still holds a copy of this.
    pub fn close(&self) {
        if let Ok(mut d) = self.0.lock() {
            *d = None;
        }
    }
}

/// Tells when the thread of [`stdout`] has written everything and ended.
pub struct WriterDone(std::sync::mpsc::Receiver<()>);

impl WriterDone {
    /// Waits until everything handed over was written (the writer was dropped first), or `limit`.
    pub fn wait(self, limit: Duration) {
        let _ = self.0.recv_timeout(limit);
    }
}

type Slot = Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, tokio::sync::AcquireError>> + Send>>;

/// The server's side of [`stdout`].
pub struct FrameWriter {
    tx: mpsc::UnboundedSender<(Vec<u8>, OwnedSemaphorePermit)>,
    /// One permit per buffer handed over and not yet written.
    slots: Arc<Semaphore>,
    waiting: Option<Slot>,
    direct: Direct,
}

impl FrameWriter {
    /// A sender of whole messages to the same output (see [`Direct`]).
    pub fn direct(&self) -> Direct {
        self.direct.clone()
    }
}

impl AsyncWrite for FrameWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let slots = this.slots.clone();
        let waiting = this.waiting.get_or_insert_with(|| Box::pin(slots.acquire_owned()));
        let permit = match waiting.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(permit) => permit,
        };
        this.waiting = None;
        let gone = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let permit = permit.map_err(|_| gone())?;
        this.tx.send((buf.to_vec(), permit)).map_err(|_| gone())?;
        Poll::Ready(Ok(buf.len()))
    }

    /// The thread writes and flushes each buffer as it gets it; [`WriterDone`] waits for the last.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reads frames from `input` and gives each valid one, headers and body, to `forward`, until
/// input ends or `forward` returns false.
pub fn filter(mut reader: impl BufRead, mut forward: impl FnMut(Vec<u8>) -> bool) {
    loop {
        let length = match read_headers(&mut reader) {
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
            if std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink()).is_err() {
                break;
            }
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        let mut frame = Vec::with_capacity(header.len() + length);
        frame.extend_from_slice(header.as_bytes());
        frame.resize(header.len() + length, 0);
        if reader.read_exact(&mut frame[header.len()..]).is_err() {
            break;
        }
        if let Err(why) = check_message(&frame[header.len()..]) {
            warn!("dropping a message that is not JSON-RPC: {why}");
            continue;
        }
        if !forward(frame) {
            break;
        }
    }
}

/// Reads one header block. `Ok(None)` at the end of input; `Err` for a block without a valid length.
fn read_headers(reader: &mut impl BufRead) -> Result<Option<usize>, String> {
    let mut length = None;
    let mut saw_any = false;
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
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
    use tokio::io::AsyncReadExt;

    fn run(input: &[u8]) -> String {
        let mut out = Vec::new();
        filter(input, |frame| {
            out.extend(frame);
            true
        });
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn valid_frames_pass_and_garbage_is_dropped() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = format!(
            "Content-Length: 9\r\n\r\n{{garbage}}Content-Length: 17\r\n\r\n{{\"hello\":\"world\"}}\
             X-Nonsense\r\n\r\nContent-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{good}",
            good.len()
        );
        assert_eq!(run(input.as_bytes()), format!("Content-Length: {}\r\n\r\n{good}", good.len()));
    }

    #[test]
    fn truncated_input_ends_cleanly() {
        assert_eq!(run(b"Content-Length: 50\r\n\r\n{\"jsonrpc\""), "");
        assert_eq!(run(b"Content-Le"), "");
    }

    /// The reader gives the frames' bytes in order, across frames and in reads of any size, and
    /// the end of input once the sending side is gone.
    #[tokio::test]
    async fn the_reader_streams_the_frames_then_ends() {
        let (tx, rx) = mpsc::channel(2);
        let mut reader = FrameReader { rx, frame: Vec::new(), at: 0 };
        let frames: Vec<Vec<u8>> = vec![b"abc".to_vec(), Vec::new(), b"defghij".to_vec(), b"k".to_vec()];
        let sender = tokio::spawn(async move {
            for f in frames {
                tx.send(f).await.unwrap();
            }
        });
        let mut out = Vec::new();
        let mut buf = [0u8; 2];
        loop {
            let n = reader.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        sender.await.unwrap();
        assert_eq!(out, b"abcdefghijk");
    }

    /// A client's end of standard output that the test can read: everything written, in order.
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Messages sent directly and through the server's writer arrive whole and in the order they
    /// were handed over; once closed, direct sends fail, and the thread ends when the server's
    /// writer is gone although a copy of the direct sender is still held.
    #[tokio::test]
    async fn direct_messages_arrive_whole_beside_the_writer() {
        use tokio::io::AsyncWriteExt;
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = Shared(out.clone());
        let (mut writer, done) = writer_to(move || sink, 2);
        let direct = writer.direct();
        let held = direct.clone();
        writer.write_all(b"Content-Length: 2\r\n\r\n{}").await.unwrap();
        for _ in 0..5 {
            assert!(direct.send(br#"{"a":1}"#).await);
        }
        writer.write_all(b"Content-Length: 2\r\n\r\n[]").await.unwrap();
        direct.close();
        assert!(!held.send(b"{}").await, "closed for every copy");
        drop(writer);
        done.wait(Duration::from_secs(10));
        let expected = format!(
            "Content-Length: 2\r\n\r\n{{}}{}Content-Length: 2\r\n\r\n[]",
            "Content-Length: 7\r\n\r\n{\"a\":1}".repeat(5)
        );
        assert_eq!(String::from_utf8(out.lock().unwrap().clone()).unwrap(), expected);
    }

    /// A writer thread that cannot write yet: the server's writer hands over `queue` buffers and
    /// then waits; once the thread writes, everything arrives in order and the thread ends after
    /// the writer is dropped.
    #[tokio::test]
    async fn the_writer_waits_for_a_stalled_thread_and_loses_nothing() {
        use tokio::io::AsyncWriteExt;
        let out = Arc::new(Mutex::new(Vec::new()));
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let sink = Shared(out.clone());
        let (mut writer, done) = writer_to(
            move || {
                // The client does not read until told to.
                let _ = wait.recv();
                sink
            },
            3,
        );
        for b in [b"ab", b"cd", b"ef"] {
            writer.write_all(b).await.unwrap();
        }
        let blocked = tokio::time::timeout(Duration::from_millis(50), writer.write_all(b"gh")).await;
        assert!(blocked.is_err(), "a fourth buffer waits while three are not written");
        go.send(()).unwrap();
        writer.write_all(b"gh").await.unwrap();
        writer.write_all(b"ij").await.unwrap();
        drop(writer);
        done.wait(Duration::from_secs(10));
        assert_eq!(String::from_utf8(out.lock().unwrap().clone()).unwrap(), "abcdefghij");
    }
}

//! A real, minimal SMTP server for integration tests.
//!
//! It listens on `127.0.0.1` (a free port), speaks enough SMTP for lettre (EHLO/HELO, AUTH
//! PLAIN/LOGIN accepting anything, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT) and keeps every message it accepts. It can be stopped and restarted on the same port
//! (an outage), or told to answer 451 / 550 to `MAIL FROM` (a temporary / permanent failure),
//! or to take its time before accepting a message (to make concurrent senders overlap); it
//! counts how many sessions were ever open at once.
//!
//! ```ignore
//! let mut sink = SmtpSink::start().await;
//! // lettre's blocking transport must not run on the runtime's thread:
//! tokio::task::spawn_blocking(move || mailer.send(&msg)).await.unwrap()?;
//! let got = sink.wait_for_messages(1, Duration::from_secs(5)).await;
//! sink.stop().await;   // connections are now refused
//! sink.restart().await; // same port again
//! ```
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `MAIL FROM` address (without `<>` nor parameters).
    pub from: String,
    /// The `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message as received after DATA, dot-unstuffed, CRLF line ends, without the final
    /// `.` line.
    pub data: Vec<u8>,
    /// The raw `AUTH` exchange of the session, if any (e.g. `PLAIN AHVzZXIAcGFzcw==`).
    pub auth: Option<String>,
}

/// How the sink answers `MAIL FROM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    Accept,
    /// `451 4.3.0` (temporary failure).
    TempFail,
    /// `550 5.7.1` (permanent failure).
    PermFail,
}

#[derive(Debug)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    mode: Mutex<SinkMode>,
    /// Waited before the reply to the end of DATA.
    data_delay: Mutex<Duration>,
    open_sessions: AtomicUsize,
    max_open_sessions: AtomicUsize,
}

/// Counts a session as open while it lives.
struct SessionGuard(Arc<Shared>);

impl SessionGuard {
    fn new(shared: Arc<Shared>) -> Self {
        let now = shared.open_sessions.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_open_sessions.fetch_max(now, Ordering::SeqCst);
        SessionGuard(shared)
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.0.open_sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    running: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl SmtpSink {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> SmtpSink {
        let listener = bind(0).await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let mut sink = SmtpSink {
            port,
            shared: Arc::new(Shared {
                messages: Mutex::new(Vec::new()),
                mode: Mutex::new(SinkMode::Accept),
                data_delay: Mutex::new(Duration::ZERO),
                open_sessions: AtomicUsize::new(0),
                max_open_sessions: AtomicUsize::new(0),
            }),
            running: None,
        };
        sink.serve(listener);
        sink
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Every message accepted so far (kept across stop/restart).
    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.shared.messages.lock().unwrap().clear();
    }

    pub fn set_mode(&self, mode: SinkMode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Waits this long before accepting each message.
    pub fn set_data_delay(&self, delay: Duration) {
        *self.shared.data_delay.lock().unwrap() = delay;
    }

    /// The most SMTP sessions that were ever open at the same time.
    pub fn max_open_sessions(&self) -> usize {
        self.shared.max_open_sessions.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` messages arrived (or `timeout`), returns them all.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= count || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Closes the listening socket and every open session; connections are then refused.
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(true);
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut last_err = None;
        for _ in 0..100 {
            match bind(self.port).await {
                Ok(listener) => {
                    self.serve(listener);
                    return;
                }
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        panic!("cannot rebind 127.0.0.1:{}: {last_err:?}", self.port);
    }

    fn serve(&mut self, listener: TcpListener) {
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let shared = self.shared.clone();
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = stop_rx.changed() => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            sessions.spawn(session(stream, shared.clone()));
                        }
                    }
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                }
            }
            drop(listener);
            sessions.shutdown().await;
        });
        self.running = Some((stop_tx, task));
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(true);
            task.abort();
        }
    }
}

async fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(64)
}

fn strip_path(arg: &str) -> String {
    let arg = arg.trim();
    let path = arg.split_whitespace().next().unwrap_or("");
    path.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let _open = SessionGuard::new(shared.clone());
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    macro_rules! reply {
        ($($t:tt)*) => {
            if write.write_all(format!($($t)*).as_bytes()).await.is_err() {
                return;
            }
        };
    }
    reply!("220 smtp-sink ESMTP ready\r\n");
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut auth: Option<String> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.to_owned()),
            None => (text.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => reply!(
                "250-smtp-sink greets {arg}\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n\
                 250-AUTH PLAIN LOGIN\r\n250 ENHANCEDSTATUSCODES\r\n"
            ),
            "HELO" => reply!("250 smtp-sink\r\n"),
            "AUTH" => {
                let mut parts = arg.split_whitespace();
                let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
                let mut exchange = arg.clone();
                let prompts: &[&str] = match (mechanism.as_str(), parts.next()) {
                    ("PLAIN", Some(_)) => &[],
                    ("PLAIN", None) => &[""],
                    ("LOGIN", Some(_)) => &["UGFzc3dvcmQ6"],
                    ("LOGIN", None) => &["VXNlcm5hbWU6", "UGFzc3dvcmQ6"],
                    _ => {
                        reply!("504 5.5.4 Unrecognized authentication type\r\n");
                        continue;
                    }
                };
                for prompt in prompts {
                    reply!("334 {prompt}\r\n");
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    exchange.push(' ');
                    exchange.push_str(String::from_utf8_lossy(&line).trim_end());
                }
                auth = Some(exchange);
                reply!("235 2.7.0 Authentication successful\r\n");
            }
            "MAIL" => {
                let mode = *shared.mode.lock().unwrap();
                match mode {
                    SinkMode::TempFail => {
                        reply!("451 4.3.0 Temporary failure (simulated), try again later\r\n")
                    }
                    SinkMode::PermFail => reply!("550 5.7.1 Message rejected (simulated)\r\n"),
                    SinkMode::Accept => {
                        if arg.to_ascii_uppercase().starts_with("FROM:") {
                            from = Some(strip_path(&arg[5..]));
                            to.clear();
                            reply!("250 2.1.0 OK\r\n");
                        } else {
                            reply!("501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
                        }
                    }
                }
            }
            "RCPT" => {
                if from.is_none() {
                    reply!("503 5.5.1 MAIL first\r\n");
                } else if arg.to_ascii_uppercase().starts_with("TO:") {
                    to.push(strip_path(&arg[3..]));
                    reply!("250 2.1.5 OK\r\n");
                } else {
                    reply!("501 5.5.4 Syntax: RCPT TO:<address>\r\n");
                }
            }
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    reply!("503 5.5.1 MAIL and RCPT first\r\n");
                    continue;
                }
                reply!("354 End data with <CR><LF>.<CR><LF>\r\n");
                let mut data = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let content = if line.starts_with(b"..") {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    data.extend_from_slice(content);
                }
                let delay = *shared.data_delay.lock().unwrap();
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let n = {
                    let mut messages = shared.messages.lock().unwrap();
                    messages.push(Received {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                        auth: auth.clone(),
                    });
                    messages.len()
                };
                reply!("250 2.0.0 OK queued as {n}\r\n");
            }
            "RSET" => {
                from = None;
                to.clear();
                reply!("250 2.0.0 OK\r\n");
            }
            "NOOP" => reply!("250 2.0.0 OK\r\n"),
            "VRFY" => reply!("252 2.1.5 Cannot VRFY user\r\n"),
            "QUIT" => {
                reply!("221 2.0.0 Bye\r\n");
                let _ = write.shutdown().await;
                return;
            }
            _ => reply!("500 5.5.2 Command not recognized\r\n"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading what was received: headers (RFC 2047 decoded) and MIME parts (transfer-decoded).

/// A leaf MIME part.
#[derive(Debug, Clone)]
pub struct MimePart {
    /// The media type, lower case, without parameters (e.g. `text/plain`).
    pub content_type: String,
    /// The full `Content-Type` header value.
    pub content_type_header: String,
    /// The `filename` of `Content-Disposition`, if any.
    pub filename: Option<String>,
    pub disposition: Option<String>,
    /// The body after base64 / quoted-printable decoding.
    pub body: Vec<u8>,
}

impl MimePart {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Received {
    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// A top-level header, unfolded and RFC 2047 decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_head(&self.data);
        header_of(&headers, name).map(|v| decode_words(&v))
    }

    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// Every leaf part, depth first; a single-part message gives one part.
    pub fn parts(&self) -> Vec<MimePart> {
        let mut out = Vec::new();
        collect_parts(&self.data, &mut out);
        out
    }
}

fn split_head(entity: &[u8]) -> (String, &[u8]) {
    let text = entity;
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(i) = text.windows(len).position(|w| w == sep) {
            return (
                String::from_utf8_lossy(&text[..i]).into_owned(),
                &text[i + len..],
            );
        }
    }
    (String::from_utf8_lossy(text).into_owned(), &[])
}

fn header_of(headers: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in headers.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_owned());
            }
        }
    }
    value
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn collect_parts(entity: &[u8], out: &mut Vec<MimePart>) {
    let (headers, body) = split_head(entity);
    let content_type_header =
        header_of(&headers, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let content_type = content_type_header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/") {
        let boundary = param(&content_type_header, "boundary").unwrap_or_default();
        let delimiter = format!("--{boundary}");
        let text = String::from_utf8_lossy(body).into_owned();
        for chunk in text.split(&delimiter).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
            let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
            collect_parts(chunk.as_bytes(), out);
        }
        return;
    }
    let encoding = header_of(&headers, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => {
            let compact: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default()
        }
        "quoted-printable" => decode_qp(body, false),
        _ => body.to_vec(),
    };
    let disposition = header_of(&headers, "Content-Disposition");
    out.push(MimePart {
        content_type,
        filename: disposition
            .as_deref()
            .and_then(|d| param(d, "filename"))
            .map(|f| decode_words(&f)),
        disposition,
        content_type_header,
        body,
    });
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Quoted-printable (`underscore_is_space` for RFC 2047 `Q` words).
fn decode_qp(input: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'=' if input.get(i + 1) == Some(&b'\r') && input.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if input.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`); whitespace between
/// two encoded words is dropped.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let decoded = rest[start + 2..].split_once('?').and_then(|(_charset, r)| {
            let (enc, r) = r.split_once('?')?;
            let end = r.find("?=")?;
            let bytes = match enc.to_ascii_lowercase().as_str() {
                "b" => base64::engine::general_purpose::STANDARD
                    .decode(&r[..end])
                    .ok()?,
                "q" => decode_qp(&r.as_bytes()[..end], true),
                _ => return None,
            };
            Some((String::from_utf8_lossy(&bytes).into_owned(), &r[end + 2..]))
        });
        match decoded {
            Some((text, after)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = after;
                last_was_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

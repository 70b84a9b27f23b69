//! Standard error as one channel: notes, warnings and `tracing` logs all go through a
//! [`Console`], so that they never tear the progress bar and so that `-q` can hold them back.
//!
//! With a progress bar on screen, each write happens inside [`ProgressBar::suspend`] (the bar is
//! cleared, the line written, the bar redrawn). Under `-q` nothing reaches the terminal while the
//! audit runs: lines are held in memory and [`Console::release`] prints them only when the run
//! has findings, since cron mails whatever a job prints and a clean night should mail nothing.
//!
//! This is a small [`MakeWriter`] rather than the `tracing-indicatif` crate: that crate draws a
//! bar per span, while nonce-audit has one bar for the whole audit and also needs the `-q` hold,
//! which it does not offer.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;
use nonce_audit::util::{redact_userinfo, sanitize_for_terminal};
use tracing_subscriber::fmt::MakeWriter;

/// Text on its way to standard error: no URL password, no control character. Messages quote
/// what sites sent (titles, REST codes, sitemap warnings) and what the user typed (targets,
/// `--sites` lines), so every line the binary prints goes through this.
pub fn show(text: &str) -> String {
    sanitize_for_terminal(&redact_userinfo(text)).into_owned()
}

/// A formatted `tracing` event made safe to print: [`show`] on the text, the trailing newline
/// kept, and, when the subscriber colours its output (`ansi`), its own SGR colour sequences
/// (`ESC [ digits m`) kept too. `tracing-subscriber` already escapes ESC in the message itself,
/// so the ESC bytes left are its styling; every other control character is escaped here.
fn clean_event(bytes: &[u8], ansi: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let (body, newline) = match text.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (&*text, false),
    };
    let mut out = String::with_capacity(body.len() + 1);
    let mut rest = body;
    while !rest.is_empty() {
        let (plain, sgr) = if ansi { split_at_sgr(rest) } else { (rest, "") };
        out.push_str(&show(plain));
        out.push_str(sgr);
        rest = &rest[plain.len() + sgr.len()..];
    }
    if newline {
        out.push('\n');
    }
    out.into_bytes()
}

/// Splits `s` into the text before its first SGR sequence and that sequence (empty if none).
fn split_at_sgr(s: &str) -> (&str, &str) {
    let mut from = 0;
    while let Some(i) = s[from..].find('\x1b').map(|i| i + from) {
        let tail = &s[i + 1..];
        if let Some(params) = tail.strip_prefix('[') {
            let n = params
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            if params.as_bytes().get(n) == Some(&b'm') {
                return (&s[..i], &s[i..i + 3 + n]);
            }
        }
        from = i + 1;
    }
    (s, "")
}

#[derive(Default)]
struct Inner {
    bar: Mutex<Option<ProgressBar>>,
    /// `Some` under `-q`: what would have been printed, held until the end of the run.
    held: Option<Mutex<Vec<u8>>>,
    /// Whether the `tracing` subscriber colours its events (their SGR sequences are kept).
    ansi: AtomicBool,
}

/// The binary's standard error; cheap to clone.
#[derive(Clone, Default)]
pub struct Console {
    inner: Arc<Inner>,
}

impl Console {
    /// A console that prints at once, or holds everything back when `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                bar: Mutex::new(None),
                held: quiet.then(|| Mutex::new(Vec::new())),
                ansi: AtomicBool::new(false),
            }),
        }
    }

    /// The progress bar lines must be written around (`None` once it is gone).
    pub fn set_bar(&self, bar: Option<ProgressBar>) {
        if let Ok(mut b) = self.inner.bar.lock() {
            *b = bar;
        }
    }

    /// Writes one line (a newline is added). Each line of `text` goes through [`show`]; a
    /// caller quoting network text in a one-line message passes it through [`show`] first, so
    /// that a newline in it is escaped too.
    pub fn line(&self, text: &str) {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        for (i, l) in text.split('\n').enumerate() {
            if i > 0 {
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(show(l).as_bytes());
        }
        bytes.push(b'\n');
        self.write(&bytes);
    }

    fn write(&self, bytes: &[u8]) {
        if let Some(held) = &self.inner.held {
            if let Ok(mut h) = held.lock() {
                h.extend_from_slice(bytes);
            }
            return;
        }
        let bar = self.inner.bar.lock().ok().and_then(|b| b.clone());
        let print = || {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(bytes);
            let _ = err.flush();
        };
        match bar {
            Some(bar) if !bar.is_hidden() => bar.suspend(print),
            _ => print(),
        }
    }

    /// Prints what `-q` held back (the run has findings, so the operator will read it).
    pub fn release(&self) {
        let Some(held) = &self.inner.held else {
            return;
        };
        let bytes = held
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(&bytes);
        let _ = err.flush();
    }
}

/// One `tracing` event being formatted; written out whole when dropped, so an event is one
/// write between two redraws of the bar.
pub struct EventWriter {
    console: Console,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let ansi = self.console.inner.ansi.load(Ordering::Relaxed);
            self.console.write(&clean_event(&self.buf, ansi));
        }
    }
}

impl<'a> MakeWriter<'a> for Console {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            console: self.clone(),
            buf: Vec::new(),
        }
    }
}

/// Installs the `tracing` subscriber: logs on standard error through `console`, at `warn`
/// unless `-v` (info) or `-vv` (debug) for nonce-audit's own events; `RUST_LOG`, when set,
/// replaces that filter entirely (e.g. `RUST_LOG=debug` for the HTTP stack too).
pub fn init_logging(console: &Console, verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "warn,nonce_audit=info",
        _ => "warn,nonce_audit=debug",
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    console.inner.ansi.store(ansi, Ordering::Relaxed);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(console.clone())
        .with_ansi(ansi)
        .with_target(false)
        .with_timer(Elapsed(std::time::Instant::now()))
        .try_init();
}

/// Seconds since start, to the millisecond: enough to see a retry's back-off or a slow page,
/// without the nanoseconds of `fmt::time::uptime`.
struct Elapsed(std::time::Instant);

impl tracing_subscriber::fmt::time::FormatTime for Elapsed {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let e = self.0.elapsed();
        write!(w, "{:>4}.{:03}s", e.as_secs(), e.subsec_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a quiet console holds back for release.
    fn held(c: &Console) -> Vec<u8> {
        c.inner
            .held
            .as_ref()
            .map(|h| h.lock().unwrap().clone())
            .unwrap()
    }

    #[test]
    fn quiet_holds_lines_until_released() {
        let c = Console::new(true);
        c.line("note");
        {
            let mut w = c.make_writer();
            let _ = w.write_all(b"WARN event\n");
        }
        let held = held(&c);
        assert_eq!(held, b"note\nWARN event\n");
    }

    #[test]
    fn lines_and_events_reach_the_terminal_without_controls_or_passwords() {
        let c = Console::new(true);
        c.line("title \x1b]0;pwned\x07 at https://u:pw@ex.com/\nsecond");
        {
            let mut w = c.make_writer();
            let _ = w.write_all(b"\x1b[33mWARN\x1b[0m code \x1b[2J\rgone\n");
        }
        let held = held(&c);
        let held = String::from_utf8(held).unwrap();
        assert_eq!(
            held,
            "title \\x1b]0;pwned\\x07 at https://ex.com/\nsecond\nWARN code \\x1b[2J\\rgone\n"
                .replace("WARN", "\\x1b[33mWARN\\x1b[0m")
        );
        // With colours on, the subscriber's own SGR sequences survive; nothing else does.
        assert_eq!(
            clean_event(
                b"\x1b[33mWARN\x1b[0m \x1b]8;;http://e/\x1b\\x\x1b[2J\n",
                true
            ),
            b"\x1b[33mWARN\x1b[0m \\x1b]8;;http://e/\\x1b\\x\\x1b[2J\n"
        );
    }
}

//! asciicast v2 (the asciinema format): a JSON header line, then `[time, code, data]`
//! events — `"o"` for output, `"m"` for markers — with time in seconds.

use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

#[derive(Serialize)]
struct CastHeader<'a> {
    version: u32,
    width: u16,
    height: u16,
    timestamp: u64,
    title: &'a str,
    env: CastEnv,
}

#[derive(Serialize)]
struct CastEnv {
    #[serde(rename = "TERM")]
    term: &'static str,
    #[serde(rename = "SHELL")]
    shell: &'static str,
}

/// Writes a cast; output written through `io::Write` becomes `"o"` events.
pub struct Writer {
    out: std::io::BufWriter<std::fs::File>,
    start: Instant,
}

impl Writer {
    pub fn create(
        path: &Path,
        width: u16,
        height: u16,
        timestamp: u64,
        title: &str,
        start: Instant,
    ) -> Result<Self> {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = std::io::BufWriter::new(f);
        let h = CastHeader {
            version: 2,
            width,
            height,
            timestamp,
            title,
            env: CastEnv {
                term: "xterm-256color",
                shell: "/bin/sh",
            },
        };
        writeln!(out, "{}", serde_json::to_string(&h)?)?;
        out.flush()?;
        Ok(Writer { out, start })
    }

    fn event(&mut self, code: &str, data: &str) -> std::io::Result<()> {
        let t = self.start.elapsed().as_secs_f64();
        let line = serde_json::to_string(&(t, code, data)).map_err(std::io::Error::other)?;
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }

    /// A marker (`"m"` event), e.g. `step: <id>`.
    pub fn marker(&mut self, label: &str) {
        let _ = self.event("m", label);
    }

    /// Bytes exactly as a terminal in raw mode received them (no newline translation).
    pub fn output_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.event("o", &String::from_utf8_lossy(bytes))
    }

    /// The terminal changed size (`"r"` event, `COLSxROWS`).
    pub fn resize(&mut self, width: u16, height: u16) {
        let _ = self.event("r", &format!("{width}x{height}"));
    }
}

/// The lab's own screen, recorded: the terminal writer tees every frame into the cast
/// of the lesson being recorded, so a cast of a TUI session plays back what the student
/// saw. A cast starting mid-session opens with the whole screen ([`Screen::first_frame`]). Shared by the terminal writer (the main thread) and the recorder's thread.
#[derive(Clone, Default)]
pub struct Screen {
    inner: std::sync::Arc<std::sync::Mutex<ScreenState>>,
}

#[derive(Default)]
struct ScreenState {
    cast: Option<Writer>,
    size: (u16, u16),
    /// A new cast starts from a blank screen: the next frame must be drawn whole.
    repaint: bool,
}

impl Screen {
    fn state(&self) -> std::sync::MutexGuard<'_, ScreenState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts recording the screen into a new cast at `path` (ending any other).
    pub fn start(&self, path: &Path, timestamp: u64, title: &str) -> Result<()> {
        let mut st = self.state();
        let (w, h) = st.size;
        st.cast = Some(Writer::create(
            path,
            w.max(1),
            h.max(1),
            timestamp,
            title,
            Instant::now(),
        )?);
        st.repaint = true;
        Ok(())
    }

    /// A marker in the cast being recorded.
    pub fn marker(&self, label: &str) {
        if let Some(c) = self.state().cast.as_mut() {
            c.marker(label);
        }
    }

    /// The terminal's size, before each frame; a change is recorded as a resize.
    pub fn note_size(&self, width: u16, height: u16) {
        let mut st = self.state();
        if st.size != (width, height) {
            st.size = (width, height);
            if let Some(c) = st.cast.as_mut() {
                c.resize(width, height);
            }
        }
    }

    /// True once after a cast started: the caller then gives the cast the whole current
    /// frame ([`Screen::first_frame`]), as the terminal only gets each frame's changes.
    pub fn take_repaint(&self) -> bool {
        std::mem::take(&mut self.state().repaint)
    }

    /// The whole screen as it is, into the cast being recorded.
    pub fn first_frame(&self, bytes: &[u8]) {
        if let Some(c) = self.state().cast.as_mut()
            && let Err(e) = c.output_raw(bytes)
        {
            tracing::warn!("recording the screen: {e}");
        }
    }

    /// A writer for the terminal backend: bytes go to `out`, and each flushed frame
    /// also into the cast being recorded.
    pub fn tee<W: Write>(&self, out: W) -> Tee<W> {
        Tee {
            out,
            screen: self.clone(),
            frame: Vec::new(),
        }
    }
}

/// See [`Screen::tee`].
pub struct Tee<W: Write> {
    out: W,
    screen: Screen,
    frame: Vec<u8>,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.frame.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.frame.is_empty() {
            self.out.write_all(&self.frame)?;
            if let Some(c) = self.screen.state().cast.as_mut()
                && let Err(e) = c.output_raw(&self.frame)
            {
                tracing::warn!("recording the screen: {e}");
            }
            self.frame.clear();
        }
        self.out.flush()
    }
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // A terminal turns \n into \r\n; a cast holds what the terminal received.
        let text = String::from_utf8_lossy(buf)
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        self.event("o", &text)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_tee_records_whole_frames_markers_and_resizes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.cast");
        let screen = Screen::default();
        let mut term: Vec<u8> = Vec::new();
        {
            let mut tee = screen.tee(&mut term);
            // Before a cast starts, frames reach the terminal only.
            tee.write_all(b"before").unwrap();
            tee.flush().unwrap();
            screen.note_size(120, 40);
            screen.start(&path, 7, "t").unwrap();
            assert!(screen.take_repaint());
            assert!(!screen.take_repaint());
            tee.write_all(b"\x1b[1;1H").unwrap();
            tee.write_all("│ Proc\n".as_bytes()).unwrap();
            tee.flush().unwrap();
            screen.marker("step: start");
            screen.note_size(100, 30);
        }
        assert_eq!(String::from_utf8_lossy(&term), "before\x1b[1;1H│ Proc\n");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(
            (header["width"].as_u64(), header["height"].as_u64()),
            (Some(120), Some(40))
        );
        let events: Vec<(f64, String, String)> =
            lines.map(|l| serde_json::from_str(l).unwrap()).collect();
        let kinds: Vec<(&str, &str)> = events
            .iter()
            .map(|(_, k, d)| (k.as_str(), d.as_str()))
            .collect();
        // One event per flushed frame, bytes as sent (raw mode: no \r added).
        assert_eq!(
            kinds,
            [
                ("o", "\x1b[1;1H│ Proc\n"),
                ("m", "step: start"),
                ("r", "100x30")
            ]
        );
    }
}

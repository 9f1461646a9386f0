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

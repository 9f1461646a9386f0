//! The interactive shell inside a lesson's container: a PTY whose replica is the
//! shell's stdin, stdout and stderr, and whose master the engine owns. What the shell
//! writes comes back as `Event::Output { stream: Pty }` on the one event stream, so the
//! TUI, the recorder and a replay all see the same bytes.

use super::event::{Event, Stream};
use crate::runtime::{Container, ExecOutput, Io, Stdio};
use anyhow::{Context, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);

/// A shell running in a container on a PTY.
pub struct Shell {
    /// The master side, for keystrokes and window sizes; `None` once closed.
    master: Option<std::fs::File>,
    /// Writing a byte here tells the reader to stop (and drop its copy of the master).
    stop: Option<OwnedFd>,
    reader: Option<JoinHandle<()>>,
    exec: Option<JoinHandle<Result<ExecOutput>>>,
}

fn winsize(rows: u16, cols: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows.max(1),
        ws_col: cols.max(1),
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn cloexec(fd: &OwnedFd) -> Result<()> {
    // Neither end may leak into contlab's exec helper beyond stdio: a stray copy of the
    // master would keep the PTY open after close, and the shell would never be hung up.
    nix::fcntl::fcntl(
        fd.as_fd(),
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    )
    .context("cannot mark the PTY close-on-exec")?;
    Ok(())
}

impl Shell {
    /// Opens a PTY of `rows`×`cols`, starts `/bin/sh` in `container` on its replica, and
    /// forwards the shell's output to `events`.
    pub fn open(
        container: &Container,
        rows: u16,
        cols: u16,
        events: Sender<Event>,
    ) -> Result<Self> {
        let ws = winsize(rows, cols);
        let pty = nix::pty::openpty(Some(&ws), None).context("cannot open a PTY (openpty)")?;
        cloexec(&pty.master)?;
        cloexec(&pty.slave)?;
        let replica = pty.slave;
        let stdio = Stdio {
            stdin: Io::Fd(replica.try_clone().context("cannot duplicate the PTY")?),
            stdout: Io::Fd(replica.try_clone().context("cannot duplicate the PTY")?),
            stderr: Io::Fd(replica),
        };
        // `-i`: interactive even if the shell doubts its stdin (prompt, line editing).
        let exec = container.exec_background(&["/bin/sh", "-i"], stdio, true)?;
        let reader_fd = pty.master.try_clone().context("cannot duplicate the PTY")?;
        let (stop_r, stop_w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("cannot create a pipe")?;
        let reader = std::thread::Builder::new()
            .name("contlab-pty".into())
            .spawn(move || read_loop(reader_fd, stop_r, events))
            .context("cannot start the PTY reader")?;
        Ok(Shell {
            master: Some(std::fs::File::from(pty.master)),
            stop: Some(stop_w),
            reader: Some(reader),
            exec: Some(exec),
        })
    }

    /// Sends keystrokes to the shell.
    pub fn input(&mut self, bytes: &[u8]) -> Result<()> {
        self.master
            .as_mut()
            .context("the shell is closed")?
            .write_all(bytes)
            .context("cannot write to the shell's terminal")
    }

    /// Sets the terminal size; the kernel tells the shell with SIGWINCH.
    pub fn resize(&self, rows: u16, cols: u16) -> Result<()> {
        let ws = winsize(rows, cols);
        let master = self.master.as_ref().context("the shell is closed")?;
        // SAFETY: TIOCSWINSZ reads one winsize from a pointer valid for the call.
        unsafe { set_winsize(master.as_raw_fd(), &ws) }
            .context("cannot set the shell's window size (TIOCSWINSZ)")?;
        Ok(())
    }

    /// False once the shell has ended (its side of the PTY is gone).
    pub fn is_alive(&self) -> bool {
        self.reader.as_ref().is_some_and(|r| !r.is_finished())
    }

    /// Hangs the shell up and waits briefly for it to end. A shell that ignores the
    /// hang-up ends with its container, whose teardown kills what is left.
    pub fn close(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = nix::unistd::write(&stop, b"x");
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        // Closing the last master fd hangs up the session (SIGHUP to the shell).
        self.master = None;
        if let Some(h) = self.exec.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !h.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.close();
    }
}

/// Forwards master output as events until the shell ends or `stop` is written.
fn read_loop(master: OwnedFd, stop: OwnedFd, events: Sender<Event>) {
    let mut file = std::fs::File::from(master);
    let mut buf = [0u8; 8192];
    // A UTF-8 character may straddle two reads: keep its first bytes for the next.
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(file.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break,
        }
        let stop_ready = fds[1].revents().is_some_and(|r| !r.is_empty());
        let master_ready = fds[0].revents().is_some_and(|r| !r.is_empty());
        if stop_ready {
            break;
        }
        if !master_ready {
            continue;
        }
        match file.read(&mut buf) {
            // EIO: every replica fd is closed — the shell has ended.
            Ok(0) | Err(_) => break,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                let text = take_utf8(&mut pending);
                if !text.is_empty()
                    && events
                        .send(Event::Output {
                            stream: Stream::Pty,
                            data: text,
                        })
                        .is_err()
                {
                    break;
                }
            }
        }
    }
}

/// Takes the longest prefix of `bytes` that does not end inside a UTF-8 character;
/// invalid bytes become U+FFFD.
fn take_utf8(bytes: &mut Vec<u8>) -> String {
    let cut = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    };
    let rest = bytes.split_off(cut);
    let text = String::from_utf8_lossy(bytes).into_owned();
    *bytes = rest;
    text
}

#[cfg(test)]
mod tests {
    use super::take_utf8;

    #[test]
    fn split_characters_wait_for_their_last_byte() {
        let han = "한".as_bytes();
        let mut v = b"ab".to_vec();
        v.extend_from_slice(&han[..2]);
        assert_eq!(take_utf8(&mut v), "ab");
        assert_eq!(v, han[..2]);
        v.extend_from_slice(&han[2..]);
        assert_eq!(take_utf8(&mut v), "한");
        assert!(v.is_empty());
        let mut bad = vec![b'x', 0xff, b'y'];
        assert_eq!(take_utf8(&mut bad), "x\u{fffd}y");
    }
}

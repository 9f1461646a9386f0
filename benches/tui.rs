//! TUI speed and memory, printed (not asserted): a full redraw of the lesson view at
//! 160×48 in a `TestBackend`; and, for the real binary in tmux, the time to the first
//! frame, the frames drawn while idle, and the resident memory during a live lesson.
//!
//! `cargo bench --bench tui` (as root for the live-lesson figures).

use contlab::lesson::event::{Event, StepStatus};
use contlab::lesson::progress::Progress;
use contlab::tui::state::{App, Mode, Options};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lessons")
}

fn redraw() {
    let lessons = contlab::lesson::catalog::load(Some(&fixtures())).expect("fixtures load");
    let opts = Options {
        mode: Mode::Live,
        lang: "en".into(),
        color: true,
        reading_reason: None,
    };
    contlab::tui::highlight::load();
    let mut app = App::new(lessons, Progress::default(), opts, (160, 48));
    app.highlight_ready = true;
    app.open_lesson(0);
    app.apply_event(&Event::StepStarted {
        lesson: "pid-namespace".into(),
        step: "start".into(),
        index: 0,
    });
    app.apply_event(&Event::StepFinished {
        lesson: "pid-namespace".into(),
        step: "start".into(),
        status: StepStatus::Pass,
        duration_ms: 1,
    });
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let t = Instant::now();
    contlab::tui::draw(&mut term, &mut app).expect("draw");
    let cold = t.elapsed();
    let n = 500;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        // A full redraw: the previous frame is forgotten, so every cell is drawn again.
        term.clear().expect("clear");
        let t = Instant::now();
        contlab::tui::draw(&mut term, &mut app).expect("draw");
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / n as u32;
    println!(
        "lesson view 160x48 redraw: first {:.3} ms (Markdown + highlighting), then mean {:.3} ms, p99 {:.3} ms (budget 2 ms)",
        ms(cold),
        ms(mean),
        ms(times[n * 99 / 100])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
        let _ = std::fs::remove_file(format!("/tmp/tmux-{}/{}", nix::unistd::getuid(), self.0));
    }
}

fn binary() -> PathBuf {
    // benches build the release binary next to the bench executable.
    let exe = std::env::current_exe().expect("bench path");
    exe.parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("contlab"))
        .expect("target dir")
}

fn real_binary() {
    let bin = binary();
    if !bin.exists() || Command::new("tmux").arg("-V").output().is_err() {
        println!("real binary: skipped (needs {} and tmux)", bin.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let stats = dir.path().join("stats.json");
    let state = dir.path().join("state");
    let _ = std::fs::create_dir_all(&state);
    let _ = std::os::unix::fs::symlink("/var/lib/contlab/rootfs", state.join("rootfs"));
    let env = format!(
        "CONTLAB_RUN_DIR={} CONTLAB_STATE_DIR={} CONTLAB_CGROUP_PARENT=contlab-bench-{} CONTLAB_TUI_STATS={}",
        dir.path().join("run").display(),
        state.display(),
        std::process::id(),
        stats.display()
    );
    let mut firsts = Vec::new();
    for i in 0..5 {
        let t = Tmux(format!("contlab-tui-bench-{}-{i}", std::process::id()));
        let cmd = format!(
            "exec env {env} {} --lessons {}",
            bin.display(),
            fixtures().display()
        );
        let start = Instant::now();
        t.run(&["new-session", "-d", "-x", "160", "-y", "48", &cmd]);
        while !t.run(&["capture-pane", "-p"]).contains("Filter") {
            if start.elapsed() > Duration::from_secs(10) {
                println!("first frame: never appeared");
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        firsts.push(start.elapsed());
        if i == 0 {
            // Idle: no key, no container; count the frames drawn over 3 s.
            std::thread::sleep(Duration::from_secs(3));
            let pid = t
                .run(&["display-message", "-p", "#{pane_pid}"])
                .trim()
                .to_string();
            let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            t.run(&["send-keys", "q"]);
            std::thread::sleep(Duration::from_millis(500));
            let frames = std::fs::read_to_string(&stats).unwrap_or_default();
            let ticks: Vec<&str> = cpu
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            println!(
                "idle 3 s in the browser: {} (utime+stime {} clock ticks over the whole run)",
                frames.trim(),
                ticks
                    .get(11)
                    .and_then(|u| u.parse::<u64>().ok())
                    .unwrap_or(0)
                    + ticks
                        .get(12)
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0)
            );
        }
    }
    firsts.sort();
    println!(
        "first frame after launch (tmux, polled every 2 ms): median {:.1} ms, max {:.1} ms (budget 150 ms)",
        ms(firsts[firsts.len() / 2]),
        ms(firsts[firsts.len() - 1])
    );
    if !nix::unistd::geteuid().is_root() {
        println!("RSS during a live lesson: skipped (needs root)");
        return;
    }
    let t = Tmux(format!("contlab-tui-bench-{}-rss", std::process::id()));
    let cmd = format!(
        "exec env {env} {} --lessons {} --lesson pid-namespace",
        bin.display(),
        fixtures().display()
    );
    t.run(&["new-session", "-d", "-x", "160", "-y", "48", &cmd]);
    std::thread::sleep(Duration::from_millis(500));
    t.run(&["send-keys", "Enter"]);
    std::thread::sleep(Duration::from_secs(4));
    let pid = t
        .run(&["display-message", "-p", "#{pane_pid}"])
        .trim()
        .to_string();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: ?");
    println!(
        "during a live lesson (container running, panels sampled at 4 Hz): {rss} (budget 60 MB)"
    );
    t.run(&["send-keys", "q"]);
    std::thread::sleep(Duration::from_millis(300));
    t.run(&["send-keys", "y"]);
    std::thread::sleep(Duration::from_secs(1));
    for h in std::fs::read_dir("/sys/fs/cgroup")
        .into_iter()
        .flatten()
        .flatten()
    {
        let _ = std::fs::remove_dir(
            h.path()
                .join(format!("contlab-bench-{}", std::process::id())),
        );
    }
}

fn main() {
    redraw();
    real_binary();
}

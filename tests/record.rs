//! Recording and replay: the journal and the cast a recorder writes, replaying them in a
//! `TestBackend` to the same screens, damaged files, replay without root, and the
//! workshop exports and class report.

mod common;

use contlab::i18n::Lang;
use contlab::lesson::event::{CheckResult, Event, StepStatus, Stream};
use contlab::lesson::progress::Progress;
use contlab::record::{Journal, Recorder, export};
use contlab::runtime::trace::TraceEvent;
use contlab::tui::msg::Msg;
use contlab::tui::replay::ReplayPlayer;
use contlab::tui::state::{App, Mode, Panel};
use contlab::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::fixtures;
use common::tui::fixture_lessons as lessons;

fn app() -> App {
    common::tui::app(lessons(), Progress::default(), Mode::Replay, "en", 100, 32)
}

fn check(c: &str, pass: bool) -> Event {
    Event::Check(CheckResult {
        check: c.into(),
        pass,
        sentence: format!("{c} is {}", if pass { "fine" } else { "wrong" }),
    })
}

fn started(step: &str, index: usize) -> Event {
    Event::StepStarted {
        lesson: "pid-namespace".into(),
        step: step.into(),
        index,
    }
}

fn finished(step: &str, pass: bool) -> Event {
    Event::StepFinished {
        lesson: "pid-namespace".into(),
        step: step.into(),
        status: if pass {
            StepStatus::Pass
        } else {
            StepStatus::Fail
        },
        duration_ms: 7,
    }
}

/// A live run of the fixture lesson's two steps, with made-up numbers.
fn events() -> Vec<Event> {
    vec![
        started("start", 0),
        Event::Trace(TraceEvent {
            pid: 100,
            op: "clone".into(),
            args: "CLONE_NEWPID|CLONE_NEWUTS".into(),
            ok: true,
            result: "pid 4242".into(),
            duration_us: 5,
            shell: Some("unshare --pid --uts --fork".into()),
        }),
        Event::PanelSnapshot(common::panel(
            "proc",
            serde_json::json!({"container": "main", "snapshot": common::proc_snapshot(serde_json::json!({"pid": 4242, "host_pid": 1, "hostname": "lab"}))}),
        )),
        Event::PanelSnapshot(common::panel(
            "cgroup",
            serde_json::json!({"container": "main", "reading": {"version": "v2",
                "memory_current": {"file": "memory.current", "raw": "1048576", "parsed": 1048576, "unlimited": false},
                "procs": []}}),
        )),
        Event::Output {
            stream: Stream::Stdout,
            data: "lab\n".into(),
        },
        check("ns", true),
        check("hostname", true),
        finished("start", true),
        started("make-a-file", 1),
        Event::Output {
            stream: Stream::Pty,
            data: "/ # touch /tmp/hello\r\n/ # ".into(),
        },
        check("file", false),
        finished("make-a-file", false),
    ]
}

fn screen(app: &mut App, panel: Panel) -> ratatui::buffer::Buffer {
    app.panel = panel;
    app.message = None;
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    contlab::tui::draw(&mut t, app).expect("draws");
    t.backend().buffer().clone()
}

/// Records `events()` into `dir`, returning the journal's path.
fn record(dir: &Path) -> PathBuf {
    let lessons = lessons();
    let lesson = lessons.iter().find(|l| l.id() == "pid-namespace").unwrap();
    let mut r = Recorder::create(dir, lesson, "en").expect("recorder");
    for e in events() {
        r.on_event(&e);
    }
    r.journal_path.clone()
}

#[test]
fn replayed_screens_equal_the_recorded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path());
    // The screens as the events arrived, after each step finished, on every pane.
    let mut live = app();
    let i = live
        .lessons
        .iter()
        .position(|l| l.id() == "pid-namespace")
        .unwrap();
    live.open_lesson(i);
    let mut recorded = Vec::new();
    for (n, e) in events().into_iter().enumerate() {
        let follow = match &e {
            Event::StepStarted { index, .. } => Some(*index),
            _ => None,
        };
        update(&mut live, Msg::Event(e.clone()));
        if let Some(s) = follow {
            live.lesson.as_mut().unwrap().step = s;
        }
        if matches!(e, Event::StepFinished { .. }) {
            let shots: Vec<_> = Panel::ALL.iter().map(|p| screen(&mut live, *p)).collect();
            recorded.push((n + 1, shots));
        }
    }
    assert_eq!(recorded.len(), 2);

    let journal = Journal::read(&path).unwrap();
    assert!(journal.damage.is_none());
    assert_eq!(journal.entries.len(), events().len());
    let mut replay = app();
    let mut player = ReplayPlayer::new(journal);
    player.open(&mut replay).unwrap();
    // Forwards to the end, then back: seeking backwards rebuilds every pane.
    player.seek(&mut replay, usize::MAX);
    for (pos, shots) in recorded.iter().rev() {
        player.seek(&mut replay, *pos);
        for (p, want) in Panel::ALL.iter().zip(shots) {
            assert_eq!(
                &screen(&mut replay, *p),
                want,
                "pane {p:?} after {pos} events"
            );
        }
    }
    // The step markers: from the start, `next` lands just after each StepStarted.
    player.seek(&mut replay, 0);
    player.next_step(&mut replay);
    assert_eq!(player.pos, 1);
    player.next_step(&mut replay);
    assert_eq!(player.pos, 9);
    assert_eq!(replay.lesson.as_ref().unwrap().step, 1);
    player.prev_step(&mut replay);
    assert_eq!(player.pos, 1);
    assert_eq!(replay.lesson.as_ref().unwrap().step, 0);
}

#[test]
fn the_cast_is_asciicast_v2_with_a_marker_per_step() {
    let dir = tempfile::tempdir().unwrap();
    record(dir.path());
    let text = std::fs::read_to_string(dir.path().join("pid-namespace.cast")).unwrap();
    let mut lines = text.lines();
    let h: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(h["version"], 2);
    assert!(h["width"].as_u64().unwrap() > 0 && h["height"].as_u64().unwrap() > 0);
    assert!(h["timestamp"].as_u64().is_some());
    assert!(h["title"].as_str().unwrap().contains("pid-namespace"));
    let mut last = 0.0;
    let mut markers = Vec::new();
    let mut output = String::new();
    for l in lines {
        let (t, code, data): (f64, String, String) = serde_json::from_str(l).unwrap();
        assert!(t >= last, "times never go back");
        last = t;
        match code.as_str() {
            "o" => output.push_str(&data),
            "m" => markers.push(data),
            other => panic!("unexpected event code {other:?}"),
        }
    }
    assert_eq!(markers, ["step: start", "step: make-a-file"]);
    // What the headless printer prints, with terminal line ends.
    assert!(output.contains("start"), "{output}");
    assert!(output.contains("file is wrong\r\n"), "{output}");
    assert!(!output.replace("\r\n", "").contains('\n'));
}

#[test]
fn a_damaged_journal_replays_up_to_the_damage_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    // Truncated in the middle of line 6.
    let cut: usize = text.lines().take(5).map(|l| l.len() + 1).sum::<usize>() + 10;
    let short = dir.path().join("short.journal.jsonl");
    std::fs::write(&short, &text[..cut]).unwrap();
    let j = Journal::read(&short).unwrap();
    assert_eq!(j.entries.len(), 4);
    let damage = j.damage.unwrap();
    assert!(
        damage.ends_with("short.journal.jsonl:6: the journal is truncated here"),
        "{damage}"
    );
    // A corrupt line in the middle.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"t\": 5, \"event\": {\"type\": \"nonsense\"}}";
    let bad = dir.path().join("bad.journal.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let j = Journal::read(&bad).unwrap();
    assert_eq!(j.entries.len(), 2);
    assert!(
        j.damage
            .unwrap()
            .contains("bad.journal.jsonl:4: corrupt entry")
    );
    // The command prints what it could and then where it stopped.
    let out = common::contlab()
        .args(["replay", "--headless", "--lessons-dir"])
        .arg(fixtures().join("lessons"))
        .arg(&short)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("short.journal.jsonl:6:"), "{err}");
    // A journal from a newer contlab is refused with a clear sentence.
    let newer = dir.path().join("newer.journal.jsonl");
    std::fs::write(
        &newer,
        text.replacen("\"format_version\":1", "\"format_version\":9", 1),
    )
    .unwrap();
    let e = format!("{:#}", Journal::read(&newer).unwrap_err());
    assert!(e.contains(":1: journal format 9 is newer"), "{e}");
}

#[test]
fn headless_replay_prints_what_run_printed_and_needs_no_root() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path());
    let mut cmd = if common::is_root() {
        // As nobody, with no groups: no privilege, no namespaces.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(env!("CARGO_BIN_EXE_contlab"));
        c
    } else {
        common::contlab()
    };
    // The shipped reference recording, read from the binary alone.
    let out = cmd
        .env("HOME", "/nonexistent")
        .args(["replay", "pid-namespace", "--headless", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(steps.len() >= 3);
    assert!(
        steps
            .iter()
            .all(|s| s["status"] == "pass" && s["lesson"] == "pid-namespace")
    );
    // A recorded fixture: the failed step is reported as `contlab run` would.
    let out = common::contlab()
        .args(["replay", "--headless", "--lessons-dir"])
        .arg(fixtures().join("lessons"))
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a failed step fails the replay");
    assert!(stdout.contains("✓ start"), "{stdout}");
    assert!(stdout.contains("✗ file is wrong"), "{stdout}");
}

#[test]
fn exports_make_a_class_report() {
    let dir = fixtures().join("exports/class");
    let mut exports = Vec::new();
    for n in ["alice", "bob", "chen"] {
        exports.push(export::read(&dir.join(format!("{n}.json"))).unwrap());
    }
    let r = export::report(&exports);
    let who: Vec<(&str, Option<&str>, bool)> = r
        .students
        .iter()
        .map(|s| (s.student.as_str(), s.step.as_deref(), s.stuck))
        .collect();
    assert_eq!(
        who,
        [
            ("alice", Some("hostname"), true),
            ("bob", Some("mount-proc"), false),
            ("chen", Some("mount-proc"), true)
        ]
    );
    assert_eq!(r.failing_checks[0].check, "proc-mounted");
    assert_eq!(r.failing_checks[0].students, 2);
    let en = export::render(&r, Lang::En);
    assert!(en.starts_with("student ") && en.contains("STUCK"), "{en}");
    assert!(en.contains("  2 student(s)  "), "{en}");
    let ko = export::render(&r, Lang::Ko);
    assert!(ko.starts_with("학생 ") && ko.contains("막힘"), "{ko}");
    assert!(ko.contains("학생 2명  "), "{ko}");
    let out = common::contlab()
        .args(["class", "report", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["students"].as_array().unwrap().len(), 3);
    // A newer export is named, with what to do.
    let e = format!(
        "{:#}",
        export::read(&fixtures().join("exports/newer/dana.json")).unwrap_err()
    );
    assert!(e.contains("export format 2 is newer than this contlab reads (1); update contlab"));
}

#[test]
fn an_export_round_trips_through_its_schema() {
    let mut p = Progress::default();
    p.record(
        "pid-namespace",
        "start",
        StepStatus::Fail,
        &[CheckResult {
            check: "ns".into(),
            pass: false,
            sentence: "no".into(),
        }],
        5,
    );
    let e = export::export(&p, &lessons(), "kim", 42);
    assert_eq!(
        (e.format_version, e.student.as_str()),
        (export::EXPORT_VERSION, "kim")
    );
    assert_eq!(e.lessons[0].current_index, Some(0));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("kim.json");
    std::fs::write(&f, serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(export::read(&f).unwrap(), e);
}

#[test]
fn a_packs_own_recordings_are_found_by_lesson_id() {
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/example-pack");
    let out = common::contlab()
        .args([
            "replay",
            "hostname-first",
            "--headless",
            "--json",
            "--lessons-dir",
        ])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"lesson\":\"hostname-first\""), "{stdout}");
    // The same pack's lint checks those recordings without being told where they are.
    let out = common::contlab()
        .args(["lesson", "lint"])
        .arg(&pack)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("recordings: 1 up to date"), "{stdout}");
}

#[test]
fn the_export_reads_as_text_and_its_json_is_the_stable_schema() {
    assert_eq!(export::utc(0), "1970-01-01 00:00 UTC");
    assert_eq!(export::utc(951_782_400_000), "2000-02-29 00:00 UTC");
    assert_eq!(export::utc(1_795_920_061_000), "2026-11-29 02:41 UTC");
    let alice = export::read(&fixtures().join("exports/class/alice.json")).unwrap();
    let text = export::render_text(&alice, Lang::En);
    assert!(text.starts_with("Progress of alice, exported "), "{text}");
    for l in &alice.lessons {
        assert!(
            text.contains(&format!("\n{}  {}", l.id, l.status)),
            "{text}"
        );
        for st in &l.steps {
            assert!(text.contains(&st.id), "{text}");
            for c in st.checks.iter().filter(|c| !c.pass && !st.passed) {
                assert!(text.contains(&c.sentence), "{text}");
            }
        }
    }
    // The command: text by default, the schema with --json.
    let state = tempfile::tempdir().unwrap();
    let run = |json: bool| {
        let mut c = common::contlab();
        c.args(["progress", "export", "--student", "kim"])
            .env("CONTLAB_STATE_DIR", state.path())
            .env_remove("LC_ALL")
            .env("LC_MESSAGES", "C");
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = run(false);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Progress of kim") && text.contains("--json > kim.json"),
        "{text}"
    );
    let out = run(true);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "contlab-progress-export");
    assert_eq!(v["student"], "kim");
    // In Korean: the sentences, not the recorded check sentences nor the status keys.
    let text = export::render_text(&alice, Lang::Ko);
    assert!(text.starts_with("alice의 진행 상황, "), "{text}");
    assert!(text.contains("강사에게 낼 파일: "), "{text}");
    assert!(!text.contains(" attempt"), "{text}");
    let out = common::contlab()
        .args(["progress", "export", "--student", "kim", "--lang", "ko"])
        .env("CONTLAB_STATE_DIR", state.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("kim의 진행 상황"), "{text}");
}

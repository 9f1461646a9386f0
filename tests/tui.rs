//! The TUI in a `TestBackend`: the browser, the lesson view and the help overlay at
//! 80×24 and 160×48, in English and Korean, fed fixed events (no real pids, inodes or
//! times), compared with insta snapshots; and behaviour driven by keys.

mod common;

use common::tui::render;
use contlab::lesson::event::{CheckResult, Event, StepStatus, Stream};
use contlab::lesson::progress::Progress;
use contlab::runtime::trace::TraceEvent;
use contlab::tui::msg::{Effect, EngineCmd, Msg};
use contlab::tui::state::{App, Focus, Mode, Overlay, Screen, StepMark};
use contlab::tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use common::tui::fixture_lessons as lessons;

fn app(lang: &str, mode: Mode, w: u16, h: u16) -> App {
    let mut progress = Progress::default();
    // A started lesson, to show progress and the resume point.
    progress.record("cgroup-memory", "limits", StepStatus::Pass, &[], 10);
    common::tui::app(lessons(), progress, mode, lang, w, h)
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn send(app: &mut App, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(app, m)).collect()
}

fn trace(op: &str, args: &str, result: &str, shell: &str) -> Event {
    Event::Trace(TraceEvent {
        pid: 100,
        op: op.into(),
        args: args.into(),
        ok: true,
        result: result.into(),
        duration_us: 5,
        shell: Some(shell.into()),
    })
}

/// The check sentences of the fixture's first step, as the engine says them in `lang`.
fn first_step_sentences(lang: &str) -> [String; 2] {
    match lang {
        "ko" => {
            let ko = contlab::i18n::Lang::Ko;
            [
                contlab::tr!(
                    ko,
                    "check-ns-own",
                    name = "pid",
                    container = "main",
                    other = contlab::tr!(ko, "check-ns-other-host"),
                    mine = "1003",
                    theirs = "2003"
                ),
                contlab::tr!(
                    ko,
                    "check-hostname-ok",
                    container = "main",
                    seen = "\"lab\""
                ),
            ]
        }
        _ => [
            "pid namespace: main has its own".into(),
            "the hostname inside main is \"lab\"".into(),
        ],
    }
}

/// The events of a live run of the fixture's first step, with made-up numbers.
fn first_step_events(lang: &str) -> Vec<Event> {
    let [ns_sentence, hostname_sentence] = first_step_sentences(lang);
    let ns = |name: &str, inode: u64, host: u64| serde_json::json!({"name": name, "inode": inode, "host_inode": host, "differs": inode != host});
    let mount = |at: &str, fstype: &str, source: &str| serde_json::json!({"mount_id": 1, "parent_id": 0, "root": "/", "mount_point": at, "fstype": fstype, "source": source});
    vec![
        Event::StepStarted {
            lesson: "pid-namespace".into(),
            step: "start".into(),
            index: 0,
        },
        trace(
            "clone",
            "CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWNS",
            "pid 4242",
            "unshare --pid --uts --mount --fork",
        ),
        trace("sethostname", "\"lab\"", "0", "hostname lab"),
        Event::PanelSnapshot(common::panel(
            "proc",
            serde_json::json!({"container": "main", "snapshot": common::proc_snapshot(serde_json::json!({
                "pid": 4242, "host_pid": 1,
                "namespaces": [ns("mnt", 1001, 2001), ns("net", 2002, 2002), ns("pid", 1003, 2003), ns("uts", 1004, 2004)],
                "status": {"Name": "sh", "NSpid": [4242, 1], "Uid": {"real": 0}, "Gid": {"real": 0},
                           "CapEff": {"mask": "00000000a80425fb", "names": ["CAP_CHOWN"]}},
                "uid_map": [{"inside": 0, "outside": 0, "count": 4294967295u64}],
                "gid_map": [],
                "mounts": {"count": 9, "root_mount": mount("/", "overlay", "overlay"),
                           "new": [mount("/proc", "proc", "proc")]},
                "hostname": "lab", "host_hostname": "vm"}))}),
        )),
        Event::PanelSnapshot(common::panel(
            "cgroup",
            serde_json::json!({"container": "main", "reading": {
                "version": "v1",
                "memory_current": {"file": "memory.usage_in_bytes", "raw": "1048576", "parsed": 1048576, "unlimited": false},
                "memory_max": {"file": "memory.limit_in_bytes", "raw": "67108864", "parsed": 67108864, "unlimited": false},
                "oom_kills": {"file": "memory.oom_control", "raw": "oom_kill 0", "parsed": 0, "unlimited": false},
                "procs": [4242]}}),
        )),
        Event::Output {
            stream: Stream::Pty,
            data: "/ # hostname\r\nlab\r\n/ # ".into(),
        },
        Event::Check(CheckResult {
            check: "ns".into(),
            pass: true,
            sentence: ns_sentence,
        }),
        Event::Check(CheckResult {
            check: "hostname".into(),
            pass: true,
            sentence: hostname_sentence,
        }),
        Event::StepFinished {
            lesson: "pid-namespace".into(),
            step: "start".into(),
            status: StepStatus::Pass,
            duration_ms: 12,
        },
    ]
}

/// The task of pid-namespace (`make-a-file`) started, and its check failed with `sentence`.
fn the_task_fails(sentence: &str) -> [Msg; 2] {
    [
        Msg::Event(Event::StepStarted {
            lesson: "pid-namespace".into(),
            step: "make-a-file".into(),
            index: 1,
        }),
        Msg::Event(Event::Check(CheckResult {
            check: "file".into(),
            pass: false,
            sentence: sentence.into(),
        })),
    ]
}

fn lesson_view(lang: &str, w: u16, h: u16) -> App {
    let mut a = app(lang, Mode::Live, w, h);
    let fx = send(&mut a, [key(KeyCode::Enter)]);
    assert!(
        fx.contains(&Effect::StartEngine("pid-namespace".into())),
        "{fx:?}"
    );
    send(&mut a, first_step_events(lang).into_iter().map(Msg::Event));
    a
}

#[test]
fn snapshots_of_every_screen() {
    for lang in ["en", "ko"] {
        for (w, h) in [(80, 24), (160, 48)] {
            let mut browser = app(lang, Mode::Live, w, h);
            insta::assert_snapshot!(format!("browser_{lang}_{w}x{h}"), render(&mut browser));
            let mut lesson = lesson_view(lang, w, h);
            insta::assert_snapshot!(format!("lesson_{lang}_{w}x{h}"), render(&mut lesson));
            send(&mut lesson, [key(KeyCode::Char('?'))]);
            insta::assert_snapshot!(format!("help_{lang}_{w}x{h}"), render(&mut lesson));
        }
    }
}

#[test]
fn reading_mode_explains_how_to_get_live_mode() {
    let mut a = app("en", Mode::Reading, 100, 30);
    let screen = render(&mut a);
    assert!(screen.contains("sudo contlab"), "{screen}");
    let fx = send(&mut a, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    // No engine: the lab replays the lesson's recorded run instead (see tui::Runner).
    assert!(
        matches!(fx.as_slice(), [Effect::Replay(_)]),
        "reading mode must not start an engine: {fx:?}"
    );
    assert_eq!(a.screen, Screen::Lesson);
    let screen = render(&mut a);
    assert!(screen.contains("Live mode is unavailable"), "{screen}");
    // Quizzes work without the kernel.
    send(
        &mut a,
        [
            key(KeyCode::Char('n')),
            key(KeyCode::Char('n')),
            key(KeyCode::Char('a')),
            key(KeyCode::Enter),
        ],
    );
    let ls = a.lesson.as_ref().expect("a lesson is open");
    assert_eq!(ls.steps[2].mark, StepMark::Pass);
}

#[test]
fn the_filter_narrows_the_list_as_you_type() {
    let mut a = app("en", Mode::Live, 100, 30);
    send(&mut a, "raft".chars().map(|c| key(KeyCode::Char(c))));
    assert_eq!(a.filtered().len(), 1);
    let screen = render(&mut a);
    assert!(screen.contains("Leaders and terms"), "{screen}");
    assert!(!screen.contains("Memory limits"), "{screen}");
    send(&mut a, [key(KeyCode::Esc)]);
    assert_eq!(a.filtered().len(), 3);
}

#[test]
fn a_started_lesson_resumes_after_its_last_passed_step() {
    let mut a = app("en", Mode::Live, 100, 30);
    send(&mut a, [key(KeyCode::Down), key(KeyCode::Enter)]);
    let (l, ls) = a.open().expect("opened");
    assert_eq!(l.id(), "cgroup-memory");
    assert_eq!(ls.step, 1);
    assert_eq!(ls.steps[0].mark, StepMark::Pass);
}

#[test]
fn keys_become_engine_commands_and_the_shell_keeps_its_keys() {
    let mut a = lesson_view("en", 160, 48);
    // A run step runs on Enter.
    let fx = send(&mut a, [key(KeyCode::Enter)]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::Run(0))]);
    // A task starts and hands the keys to the shell; `q` is typed, not quit.
    let fx = send(&mut a, [key(KeyCode::Char('n')), key(KeyCode::Enter)]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::Run(1))]);
    assert_eq!(a.focus, Focus::Shell);
    let fx = send(&mut a, [key(KeyCode::Char('q'))]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::ShellInput(b"q".to_vec()))]);
    assert!(!a.quitting);
    // Ctrl-] leaves the shell; `h` then shows the hint for the failing check first.
    send(
        &mut a,
        [Msg::Key(KeyEvent::new(
            KeyCode::Char(']'),
            KeyModifiers::CONTROL,
        ))],
    );
    assert_eq!(a.focus, Focus::Prose);
    send(
        &mut a,
        the_task_fails("expected /tmp/hello")
            .into_iter()
            .chain([key(KeyCode::Char('h'))]),
    );
    let screen = render(&mut a);
    assert!(
        screen.contains("Hint 1: The check looks for /tmp/hello"),
        "{screen}"
    );
    // The solution asks first while the task is not passed.
    send(&mut a, [key(KeyCode::Char('s'))]);
    assert!(matches!(a.overlay, Overlay::Confirm(_)));
    let fx = send(&mut a, [key(KeyCode::Char('y'))]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::Solution(1))]);
    // While a container may run, quitting asks, then stops the engine before exiting.
    send(&mut a, [key(KeyCode::Char('q'))]);
    assert!(matches!(a.overlay, Overlay::Confirm(_)));
    let fx = send(&mut a, [key(KeyCode::Char('y'))]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::Quit)]);
    assert!(!a.done);
    let fx = send(&mut a, [Msg::EngineStopped]);
    assert!(fx.contains(&Effect::Exit) && a.done, "{fx:?}");
}

#[test]
fn unchanged_panel_samples_do_not_redraw() {
    let mut a = lesson_view("en", 80, 24);
    render(&mut a);
    let again: Vec<Msg> = first_step_events("en")
        .into_iter()
        .filter(|e| matches!(e, Event::PanelSnapshot(p) if p.name() == "proc"))
        .map(Msg::Event)
        .collect();
    send(&mut a, again);
    assert!(!a.dirty, "an identical /proc sample must not cost a frame");
}

#[test]
fn resizing_resizes_the_shell_and_korean_stays_aligned() {
    let mut a = lesson_view("ko", 80, 24);
    let fx = send(&mut a, [Msg::Resize(120, 40)]);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Engine(EngineCmd::ShellResize(_, 118)))),
        "{fx:?}"
    );
    let screen = render(&mut a);
    // Every row is exactly as wide as the terminal, Korean or not.
    assert!(screen.contains("나만의 PID 1"), "{screen}");
    for row in screen.lines() {
        assert_eq!(unicode_width::UnicodeWidthStr::width(row), 120, "{row}");
    }
}

#[test]
fn the_presenter_layout_shows_one_large_pane_and_the_step_counter() {
    for lang in ["en", "ko"] {
        for (w, h) in [(80, 24), (160, 48)] {
            let mut a = lesson_view(lang, w, h);
            a.presenter = true;
            let screen = render(&mut a);
            insta::assert_snapshot!(format!("presenter_{lang}_{w}x{h}"), screen.clone());
            let counter = if lang == "ko" {
                "단계 1 / 4"
            } else {
                "STEP 1 / 4"
            };
            assert!(
                screen.lines().next().unwrap_or("").contains(counter),
                "{screen}"
            );
            // One pane: the lesson's prose, and none of the side panes' titles.
            assert!(!screen.contains("Steps"), "{screen}");
            // n advances; Tab moves the one pane to the state panes.
            send(&mut a, [key(KeyCode::Char('n'))]);
            let counter2 = if lang == "ko" {
                "단계 2 / 4"
            } else {
                "STEP 2 / 4"
            };
            assert!(render(&mut a).contains(counter2));
            send(&mut a, [key(KeyCode::Tab)]);
            let panes = render(&mut a);
            assert!(panes.contains("Proc"), "{panes}");
        }
    }
}

#[test]
fn the_language_key_switches_prose_panes_and_the_engine_live() {
    let mut a = lesson_view("en", 160, 48);
    let before = render(&mut a);
    assert!(before.contains("Start a container"), "{before}");
    let fx = send(&mut a, [key(KeyCode::Char('L'))]);
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Lang(contlab::i18n::Lang::Ko))),
        "{fx:?}"
    );
    let after = render(&mut a);
    assert!(after.contains("컨테이너 시작하기"), "{after}");
    // The lines already shown stay as they were said; the engine says the next ones in
    // Korean.
    assert!(after.contains("pid namespace: main has its own"), "{after}");
    let fx = send(&mut a, [key(KeyCode::F(2))]);
    assert!(
        fx.contains(&Effect::Engine(EngineCmd::Lang(contlab::i18n::Lang::En))),
        "{fx:?}"
    );
    assert!(render(&mut a).contains("Start a container"));
    // In the browser, where letters filter, F2 switches.
    let mut b = app("en", Mode::Live, 80, 24);
    send(&mut b, [key(KeyCode::F(2))]);
    assert!(b.ko() && b.browser.filter.is_empty());
}

/// The fixture pack, each file of pid-namespace passed through `edit(file name, text)`.
fn fixture_pack_with(
    edit: impl Fn(&str, String) -> String,
) -> (tempfile::TempDir, Vec<contlab::lesson::load::Lesson>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = common::fixtures().join("lessons");
    for entry in std::fs::read_dir(&from).expect("the fixture pack") {
        let lesson = entry.expect("an entry").path();
        let to = dir.path().join(lesson.file_name().expect("a name"));
        std::fs::create_dir_all(&to).expect("mkdir");
        for f in std::fs::read_dir(&lesson).expect("a lesson") {
            let f = f.expect("a file").path();
            let mut text = std::fs::read_to_string(&f).expect("a lesson file");
            let name = f
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            if lesson.ends_with("pid-namespace") {
                text = edit(&name, text);
            }
            std::fs::write(to.join(&name), text).expect("write");
        }
    }
    let lessons = contlab::lesson::catalog::load(Some(dir.path())).expect("the edited pack loads");
    (dir, lessons)
}

/// The fixture pack with a levelled hint (concept, where, command) on the task of
/// pid-namespace, in both languages.
fn lessons_with_levelled_hint() -> (tempfile::TempDir, Vec<contlab::lesson::load::Lesson>) {
    fixture_pack_with(|name, text| {
        if name != "en.toml" && name != "ko.toml" {
            return text;
        }
        text.replacen(
            "check_hints = {",
            "hint.concept = \"CONCEPT: a mount namespace has its own /tmp\"\n\
             hint.where = \"WHERE: the shell pane is inside the container\"\n\
             hint.command = \"COMMAND: touch /tmp/hello\"\n\
             check_hints = {",
            1,
        )
    })
}

#[test]
fn a_host_side_step_says_its_shell_is_the_host() {
    let (_dir, lessons) = fixture_pack_with(|name, text| {
        if name != "lesson.toml" {
            return text;
        }
        text.replacen(
            "id = \"make-a-file\"",
            "id = \"make-a-file\"\nshell = \"host\"",
            1,
        )
    });
    let mut a = common::tui::app(lessons, Progress::default(), Mode::Live, "en", 160, 48);
    send(&mut a, [key(KeyCode::Enter)]);
    send(&mut a, first_step_events("en").into_iter().map(Msg::Event));
    let container = render(&mut a);
    assert!(
        container.contains("Shell — Tab to type here"),
        "{container}"
    );
    assert!(!container.contains("HOST shell"), "{container}");
    let fx = send(&mut a, [key(KeyCode::Char('n')), key(KeyCode::Enter)]);
    assert_eq!(fx, [Effect::Engine(EngineCmd::Run(1))]);
    assert_eq!(a.focus, Focus::Shell);
    let host = render(&mut a);
    assert!(
        host.contains("HOST shell — not a container: typing runs on this machine"),
        "{host}"
    );
}

#[test]
fn a_failing_task_reveals_its_hint_level_by_level_and_counts_them() {
    let (_dir, lessons) = lessons_with_levelled_hint();
    let mut a = common::tui::app(lessons, Progress::default(), Mode::Live, "en", 160, 48);
    send(&mut a, [key(KeyCode::Enter)]);
    send(&mut a, first_step_events("en").into_iter().map(Msg::Event));
    send(&mut a, [key(KeyCode::Char('n')), key(KeyCode::Enter)]);
    send(
        &mut a,
        [Msg::Key(KeyEvent::new(
            KeyCode::Char(']'),
            KeyModifiers::CONTROL,
        ))]
        .into_iter()
        .chain(the_task_fails("/tmp/hello: not found; expected a file")),
    );
    let screen = render(&mut a);
    assert!(
        screen.contains("/tmp/hello: not found; expected a file"),
        "{screen}"
    );
    assert!(!screen.contains("CONCEPT"), "{screen}");
    // The hint for the failing check, then concept, where to look, the command.
    let mut saved = 0;
    for (n, want) in [
        "The check looks for /tmp/hello",
        "CONCEPT: a mount namespace",
        "WHERE: the shell pane",
        "COMMAND: touch /tmp/hello",
    ]
    .iter()
    .enumerate()
    {
        let fx = send(&mut a, [key(KeyCode::Char('h'))]);
        saved += fx.iter().filter(|e| **e == Effect::SaveProgress).count();
        let screen = render(&mut a);
        assert!(
            screen.contains(&format!("Hint {}: {want}", n + 1)),
            "{screen}"
        );
    }
    assert_eq!(saved, 4, "each revealed hint is saved");
    let s = &a.progress.lessons["pid-namespace"].steps["make-a-file"];
    assert_eq!(s.hints_used, 4);
    // The export carries the count beside the attempts.
    let e = contlab::record::export::export(&a.progress, &a.lessons, "kim", 0);
    let step = e.lessons[0]
        .steps
        .iter()
        .find(|s| s.id == "make-a-file")
        .expect("the task in the export");
    assert_eq!(step.hints_used, 4);
}

#[test]
fn the_net_panel_is_a_tab_of_its_own_and_opens_with_networking_lessons() {
    use contlab::lesson::panel::{ClusterPanel, NatRow, NetLinkRow, NetPanel, PanelData};
    use contlab::tui::state::Panel;
    let mut a = lesson_view("en", 160, 48);
    assert_eq!(a.panel, Panel::Proc, "a namespace lesson opens on Proc");
    send(&mut a, [key(KeyCode::Char('5'))]);
    assert_eq!(a.panel, Panel::Net);
    let screen = render(&mut a);
    assert!(screen.contains("5 Net"), "{screen}");
    assert!(screen.contains("No node network yet"), "{screen}");
    let node = NetPanel {
        node: "contlab-node-tab".into(),
        links: vec![NetLinkRow {
            name: "cni0".into(),
            up: true,
            master: None,
            addresses: vec!["10.244.1.1/24".into()],
        }],
        dns: None,
        routes: vec!["10.244.1.0/24 dev cni0".into()],
        nat: vec![NatRow {
            packets: 3,
            rule: "-A KUBE-SVC-WEB -j KUBE-SEP-WEB-1".into(),
        }],
        conntrack: vec![],
        ingress: None,
    };
    send(
        &mut a,
        [Msg::Event(Event::PanelSnapshot(PanelData::Cluster(
            ClusterPanel::Net(Box::new(node)),
        )))],
    );
    let screen = render(&mut a);
    for want in [
        "interfaces",
        "cni0 up",
        "routes",
        "Services' NAT rules",
        "KUBE-SEP-WEB-1",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    // The Cluster tab points at the Net one rather than drawing the node twice.
    send(&mut a, [key(KeyCode::Char('4'))]);
    let screen = render(&mut a);
    assert!(screen.contains("in the Net panel: press 5"), "{screen}");
    assert!(!screen.contains("cni0 up"), "{screen}");

    // A networking lesson opens on the Net tab.
    let lessons = common::tui::curriculum();
    let i = lessons
        .iter()
        .position(|l| l.id() == "pod-network")
        .unwrap();
    let mut net = common::tui::app(lessons, Progress::default(), Mode::Live, "en", 80, 24);
    net.open_lesson(i);
    assert_eq!(net.panel, Panel::Net);
}

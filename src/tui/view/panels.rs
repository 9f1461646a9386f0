//! The live panels, drawn from the latest `PanelSnapshot`s and the trace: Proc (the
//! container's namespaces next to the host's), Cgroup (raw files and values), Trace
//! (the runtime's calls for this step), Cluster (Raft, etcd, RBAC, the API server) and
//! Net (the networking track's node).

use super::Palette;
use crate::inspect::cgroupfs::{self, CgroupReading, CgroupVersion};
use crate::inspect::proc::{IdMapping, ProcSnapshot};
use crate::lesson::panel::{CgroupPanel, ClusterPanel, ProcPanel};
use crate::tui::state::{App, Focus, LessonState, Mode, Panel};
use crate::tui::text::{cut, pad};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

fn name(p: Panel) -> &'static str {
    match p {
        Panel::Proc => "Proc",
        Panel::Cgroup => "Cgroup",
        Panel::Trace => "Trace",
        Panel::Cluster => "Cluster",
        Panel::Net => "Net",
    }
}

/// The tab row: every tab's number and name, or, when that does not fit in `room`
/// columns, the shown tab's name beside the others' numbers.
fn tabs(shown: Panel, skip_trace: bool, room: usize, pal: &Palette) -> Vec<Span<'static>> {
    let listed: Vec<(usize, Panel)> = Panel::ALL
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, p)| !(skip_trace && *p == Panel::Trace))
        .collect();
    let full: usize = listed
        .iter()
        .map(|(_, p)| name(*p).len() + 3)
        .sum::<usize>()
        + 1;
    let mut out = vec![Span::raw(" ")];
    for (i, p) in listed {
        let (label, style) = if p == shown {
            (format!("{} {}", i + 1, name(p)), pal.selected())
        } else if full <= room {
            (format!("{} {}", i + 1, name(p)), pal.dim())
        } else {
            (format!("{}", i + 1), pal.dim())
        };
        out.push(Span::styled(label, style));
        out.push(Span::raw(" "));
    }
    out
}

pub fn draw(f: &mut Frame, app: &App, pal: &Palette, area: Rect, trace: Option<Rect>) {
    let Some((_, ls)) = app.open() else { return };
    // With a trace tile, the tabbed pane shows the other panels; `3` highlights the tile.
    let shown = match (trace.is_some(), app.panel) {
        (true, Panel::Trace) => Panel::Proc,
        (_, p) => p,
    };
    let focused = matches!(app.focus, Focus::Panels | Focus::Request);
    let room = (area.width as usize).saturating_sub(3);
    let tabs = tabs(shown, trace.is_some(), room, pal);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(focused && !(trace.is_some() && app.panel == Panel::Trace)))
        .title(Line::from(tabs));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let scroll = if app.panel == shown {
        ls.panel_scroll
    } else {
        0
    };
    body(f, app, ls, pal, inner, shown, scroll);
    if let Some(t) = trace {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(pal.border(focused && app.panel == Panel::Trace))
            .title(Span::styled(" 3 Trace ", pal.dim()));
        let inner = block.inner(t);
        f.render_widget(block, t);
        let scroll = if app.panel == Panel::Trace {
            ls.panel_scroll
        } else {
            0
        };
        body(f, app, ls, pal, inner, Panel::Trace, scroll);
    }
}

#[allow(clippy::too_many_arguments)]
fn body(
    f: &mut Frame,
    app: &App,
    ls: &LessonState,
    pal: &Palette,
    area: Rect,
    p: Panel,
    scroll: u16,
) {
    let w = area.width as usize;
    let empty = |f: &mut Frame, msg: String| {
        let lines = crate::tui::text::wrap(&[(msg, pal.dim())], w, &[], &[]);
        f.render_widget(Paragraph::new(lines), area);
    };
    if app.opts.mode == Mode::Reading && !matches!(p, Panel::Cluster | Panel::Net) {
        empty(f, crate::tr!(app.language(), "tui-panel-needs-live"));
        return;
    }
    match p {
        Panel::Proc => match &ls.proc {
            Some(v) => scrolled(f, area, proc_lines(app, v, pal, w), scroll, false),
            None => empty(f, crate::tr!(app.language(), "tui-panel-proc-empty")),
        },
        Panel::Cgroup => match &ls.cgroup {
            Some(v) => cgroup(f, app, ls, v, pal, area, scroll),
            None => empty(f, crate::tr!(app.language(), "tui-panel-cgroup-empty")),
        },
        Panel::Trace => {
            let lines = trace_lines(ls, pal, w);
            if lines.is_empty() {
                empty(f, crate::tr!(app.language(), "tui-panel-trace-empty"));
            } else {
                scrolled(f, area, lines, scroll, true);
            }
        }
        Panel::Cluster => match &ls.cluster {
            Some(v)
                if app.focus == Focus::Request
                    && let Some(b) = &ls.request
                    && let Some(source) = crate::tui::request::Source::of(v) =>
            {
                let lines = super::cluster_rbac::request_lines(b, &source, pal, w, app.language());
                scrolled(f, area, lines, scroll, false)
            }
            Some(ClusterPanel::Rbac(v)) => scrolled(
                f,
                area,
                super::cluster_rbac::lines(v, pal, w),
                scroll,
                false,
            ),
            Some(ClusterPanel::Net(_)) => {
                empty(f, crate::tr!(app.language(), "tui-panel-cluster-net"))
            }
            Some(ClusterPanel::Api(v)) => {
                scrolled(f, area, super::cluster_api::lines(v, pal, w), scroll, false)
            }
            Some(v)
                if super::cluster_raft::draw(
                    f,
                    area,
                    v,
                    pal,
                    scroll,
                    super::cluster_raft::Controls {
                        selected: ls.raft_node,
                        keys: app.opts.mode == Mode::Live && app.raft_step(ls.step),
                        lang: app.language(),
                    },
                ) => {}
            Some(ClusterPanel::Etcd { members }) => {
                let keys = app.opts.mode == Mode::Live && app.raft_step(ls.step);
                let lines = etcd_lines(members, ls.raft_node, keys, app.language(), pal, w);
                scrolled(f, area, lines, scroll, false)
            }
            Some(v) => {
                // Other kinds as their JSON, keys in order.
                let text = serde_json::to_value(v)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or_default();
                let lines = text.lines().map(|l| Line::raw(cut(l, w))).collect();
                scrolled(f, area, lines, scroll, false)
            }
            None => empty(f, crate::tr!(app.language(), "tui-panel-cluster-empty")),
        },
        Panel::Net => match &ls.cluster {
            Some(ClusterPanel::Net(v)) => {
                scrolled(f, area, super::net::lines(v, pal, w), scroll, false)
            }
            _ => empty(f, crate::tr!(app.language(), "tui-panel-net-empty")),
        },
    }
}

/// The real etcd cluster's members, one line each (the selected one marked while its key
/// acts), and the key that kills or restarts the selected member.
fn etcd_lines(
    members: &[crate::lesson::panel::MemberStatus],
    selected: u64,
    keys: bool,
    lang: crate::i18n::Lang,
    pal: &Palette,
    w: usize,
) -> Vec<Line<'static>> {
    let head = crate::tr!(lang, "tui-etcd-head");
    let mut out = vec![Line::styled(cut(&format!("  {head}"), w), pal.heading())];
    for m in members {
        let state = m.state();
        let leader = m.leader.map_or("-".to_string(), |l| l.to_string());
        let mark = if keys && m.member as u64 == selected {
            "▶"
        } else {
            " "
        };
        let text = format!(
            "{mark} {:<6}  {state:<9}  {leader:<6}  {:<4}  {}",
            m.member, m.term, m.raft_index
        );
        let style = match state {
            "LEADER" => pal.ok(),
            "down" => pal.bad(),
            _ => pal.dim(),
        };
        out.push(Line::styled(cut(&text, w), style));
    }
    if keys {
        let text = crate::tr!(lang, "tui-etcd-keys", member = selected);
        out.push(Line::raw(""));
        out.push(Line::styled(cut(&text, w), pal.dim()));
    }
    out
}

/// Shows `lines` from `scroll`; `tail` keeps the newest lines in view instead (the trace),
/// with `scroll` counting back from the end.
pub(super) fn scrolled(
    f: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    scroll: u16,
    tail: bool,
) {
    let h = area.height as usize;
    let max = lines.len().saturating_sub(h);
    let start = if tail {
        max.saturating_sub(scroll as usize)
    } else {
        (scroll as usize).min(max)
    };
    let visible: Vec<Line> = lines.into_iter().skip(start).take(h).collect();
    f.render_widget(Paragraph::new(visible), area);
}

/// An optional value as the panel prints it: `-` when unknown.
fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// `NSpid` outermost first, as `/proc/PID/status` prints it: `6685 1`.
fn nspid(snap: &ProcSnapshot) -> String {
    snap.status
        .nspid
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The effective capabilities: the mask, and how many are named in it.
fn caps(snap: &ProcSnapshot) -> String {
    let c = &snap.status.cap_eff;
    format!("{:016x} ({})", c.mask, c.names.len())
}

fn ids(map: &[IdMapping]) -> String {
    if map.is_empty() {
        return "-".into();
    }
    map.iter()
        .map(|m| format!("{} {} {}", m.inside, m.outside, m.count))
        .collect::<Vec<_>>()
        .join("; ")
}

fn proc_lines(app: &App, v: &ProcPanel, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let snap = &v.snapshot;
    let who = &v.container;
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{who} "), pal.accent()),
        Span::raw(cut(
            &format!(
                "pid {} · NSpid {} · {}",
                snap.pid,
                nspid(snap),
                snap.status.name
            ),
            w.saturating_sub(who.len() + 1),
        )),
    ])];
    let nw = 18.min(w / 3);
    out.push(Line::styled(
        format!(
            "{}{}{}",
            // The full path only where it leaves a space before the next column.
            pad(if nw > 12 { "/proc/PID/ns" } else { "ns" }, nw),
            pad(&crate::tr!(app.language(), "tui-proc-container"), 14),
            crate::tr!(app.language(), "tui-proc-host")
        ),
        pal.dim(),
    ));
    for ns in &snap.namespaces {
        let differs = ns.differs;
        let (m, st) = if differs {
            ("≠ ", pal.warn())
        } else {
            ("= ", pal.dim())
        };
        out.push(Line::from(vec![
            Span::styled(
                pad(&ns.name, nw),
                if differs {
                    pal.warn()
                } else {
                    Default::default()
                },
            ),
            Span::styled(
                pad(&or_dash(ns.inode), 12),
                if differs {
                    pal.warn()
                } else {
                    Default::default()
                },
            ),
            Span::styled(m, st),
            Span::raw(or_dash(ns.host_inode)),
        ]));
    }
    out.push(Line::default());
    let kv = |k: &str, val: String| {
        Line::from(vec![
            Span::styled(pad(k, 10), pal.dim()),
            Span::raw(cut(&val, w.saturating_sub(10))),
        ])
    };
    out.push(kv(
        "hostname",
        format!(
            "{} ({} {})",
            or_dash(snap.hostname.as_ref()),
            crate::tr!(app.language(), "tui-proc-host-label"),
            or_dash(snap.host_hostname.as_ref())
        ),
    ));
    out.push(kv(
        "uid",
        format!("{} · gid {}", snap.status.uid.real, snap.status.gid.real),
    ));
    out.push(kv("uid_map", ids(&snap.uid_map)));
    out.push(kv("gid_map", ids(&snap.gid_map)));
    out.push(kv("CapEff", caps(snap)));
    let root = snap.mounts.root_mount.as_ref();
    out.push(kv(
        "mounts",
        format!(
            "{} · / = {} {}",
            snap.mounts.count,
            root.map_or("", |r| r.fstype.as_str()),
            root.map_or("", |r| r.source.as_str())
        ),
    ));
    for m in snap.mounts.new.iter().take(12) {
        out.push(Line::styled(
            cut(
                &format!("  + {} {} {}", m.mount_point, m.fstype, m.source),
                w,
            ),
            pal.ok(),
        ));
    }
    out
}

/// The reading's values in the pane's order, each with whether it is a counter.
fn cgroup_fields(r: &CgroupReading) -> [(Option<&cgroupfs::Value>, bool); 13] {
    [
        (r.memory_current.as_ref(), false),
        (r.memory_max.as_ref(), false),
        (r.memory_peak.as_ref(), false),
        (r.oom_kills.as_ref(), true),
        (r.oom_kills_local.as_ref(), true),
        (r.cpu_usage_us.as_ref(), false),
        (r.cpu_quota_us.as_ref(), false),
        (r.cpu_period_us.as_ref(), false),
        (r.cpu_periods.as_ref(), false),
        (r.cpu_throttled.as_ref(), true),
        (r.pids_current.as_ref(), false),
        (r.pids_max.as_ref(), false),
        (r.pids_refused.as_ref(), true),
    ]
}

#[allow(clippy::too_many_arguments)]
fn cgroup(
    f: &mut Frame,
    app: &App,
    ls: &LessonState,
    v: &CgroupPanel,
    pal: &Palette,
    area: Rect,
    scroll: u16,
) {
    let r = &v.reading;
    let w = area.width as usize;
    let spark_h = if area.height >= 14 && !ls.mem_history.is_empty() {
        3
    } else {
        0
    };
    let [top, spark] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(spark_h)]).areas(area);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", v.container), pal.accent()),
        Span::raw(format!(
            "cgroup {}",
            match r.version {
                CgroupVersion::V1 => "v1",
                CgroupVersion::V2 => "v2",
            }
        )),
    ])];
    let fw = 26.min(w / 2);
    for (val, counter) in cgroup_fields(r) {
        let Some(val) = val else {
            continue;
        };
        // Counters that moved (OOM kills, throttled periods, refused forks) stand out.
        let hot = counter && val.parsed.is_some_and(|n| n > 0);
        lines.push(Line::from(vec![
            Span::styled(pad(&val.file, fw), pal.dim()),
            Span::styled(
                cut(&val.raw, w.saturating_sub(fw)),
                if hot { pal.bad() } else { Default::default() },
            ),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(pad("cgroup.procs", fw), pal.dim()),
        Span::raw(crate::tr!(
            app.language(),
            "tui-cgroup-processes",
            count = r.procs.len()
        )),
    ]));
    scrolled(f, top, lines, scroll, false);
    if spark_h > 0 {
        let max = ls.mem_history.iter().copied().max().unwrap_or(0);
        let title = format!(
            " {} ",
            crate::tr!(app.language(), "tui-cgroup-memory", kib = max / 1024)
        );
        let block = Block::default()
            .borders(Borders::TOP)
            .title(Span::styled(title, pal.dim()));
        let data: Vec<u64> = ls
            .mem_history
            .iter()
            .rev()
            .take(spark.width as usize)
            .rev()
            .copied()
            .collect();
        f.render_widget(
            Sparkline::default()
                .block(block)
                .data(&data)
                .style(pal.ok()),
            spark,
        );
    }
}

fn trace_lines(ls: &LessonState, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for t in ls.step_trace() {
        let (res_style, mark) = if t.ok {
            (pal.ok(), "")
        } else {
            (pal.bad(), "✗ ")
        };
        let head = format!("{mark}{}", t.op);
        let rest = format!("({}) = ", t.args);
        let room =
            w.saturating_sub(crate::tui::text::width(&head) + crate::tui::text::width(&t.result));
        out.push(Line::from(vec![
            Span::styled(head, pal.accent()),
            Span::raw(cut(&rest, room.max(4))),
            Span::styled(t.result.clone(), res_style),
        ]));
        if let Some(sh) = &t.shell {
            out.push(Line::styled(cut(&format!("  $ {sh}"), w), pal.dim()));
        }
    }
    out
}

//! The Cluster panel for the Raft track: a pure drawing of the engine's
//! `PanelSnapshot { panel: "cluster", data: {kind: "raft", view, timeline, player} }`.
//! A header (tick, playing or paused, speed); a timeline bar with the current tick and
//! marks for elections and faults; where there is room, the nodes on a ring coloured by
//! role, each with its term and election timer, and the messages in flight drawn between
//! them; then the nodes as rows, the vote tallies, each node's log strip with its commit
//! point, the messages in flight and the recent timeline (scrollable); and a footer with
//! the keys.

use super::Palette;
use crate::i18n::Lang;
use crate::lesson::panel::{ClusterPanel, RaftPanel};
use crate::raft::{ClusterView, MarkKind, Role};
use crate::tui::text::{cut, width};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::widgets::canvas::{self, Canvas};

/// How wide the election-timer bar is.
const BAR: usize = 10;

fn role_style(pal: &Palette, r: Role) -> Style {
    match r {
        Role::Leader => pal.ok().add_modifier(Modifier::BOLD),
        Role::Candidate => pal.warn(),
        Role::PreCandidate => pal.accent(),
        Role::Follower => Style::default(),
        Role::Down => pal.bad(),
    }
}

/// A mark that says the role without colour.
fn role_mark(r: Role) -> &'static str {
    match r {
        Role::Leader => "★",
        Role::Candidate => "◆",
        Role::PreCandidate => "◇",
        Role::Follower => "●",
        Role::Down => "✗",
    }
}

/// An election timer as `[###.......]`: how much of its timeout has run.
fn bar(elapsed: u64, timeout: u64, cells: usize) -> String {
    let filled = (elapsed.min(timeout) * cells as u64)
        .checked_div(timeout)
        .unwrap_or(0) as usize;
    format!("[{}{}]", "#".repeat(filled), ".".repeat(cells - filled))
}

fn section(pal: &Palette, title: &str) -> Line<'static> {
    Line::from(Span::styled(title.to_string(), pal.heading()))
}

/// A Raft snapshot: the view, the recent timeline, and what the player reported with it
/// (defaults in older recordings).
type Snapshot = RaftPanel;

fn snapshot(data: &ClusterPanel) -> Option<&Snapshot> {
    match data {
        ClusterPanel::Raft(r) => Some(r.as_ref()),
        _ => None,
    }
}

/// How the panel is drawn beyond the snapshot: the selected node, whether the keys work
/// here (a Raft step is shown, live), and the language of the footer.
#[derive(Clone, Copy, Debug)]
pub struct Controls {
    pub selected: u64,
    pub keys: bool,
    pub lang: Lang,
}

/// Draws a Raft snapshot into `area`; false when `data` is not one (other kinds keep the
/// plain JSON view).
pub fn draw(
    f: &mut Frame,
    area: Rect,
    data: &ClusterPanel,
    pal: &Palette,
    scroll: u16,
    c: Controls,
) -> bool {
    let Some(snap) = snapshot(data) else {
        return false;
    };
    let w = area.width as usize;
    // The ring needs room for two-line labels around it; small terminals get the rows only.
    let ring_h = if area.height >= 16 && area.width >= 36 {
        ((area.height - 3) / 2).clamp(7, 16)
    } else {
        0
    };
    let [head, bar, ring, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(ring_h),
        Constraint::Min(1),
        Constraint::Length(u16::from(c.keys)),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(header(snap, pal, w, c.lang)), head);
    f.render_widget(Paragraph::new(timeline_bar(snap, pal, w)), bar);
    if ring_h > 0 {
        draw_ring(f, ring, &snap.view, pal, c.selected);
    }
    let lines = body_lines(snap, pal, w, c.selected);
    super::panels::scrolled(f, body, lines, scroll, false);
    if c.keys {
        f.render_widget(Paragraph::new(footer(pal, w, c)), foot);
    }
    true
}

fn header(snap: &Snapshot, pal: &Palette, w: usize, lang: Lang) -> Line<'static> {
    let v = &snap.view;
    let p = &snap.player;
    let on = |b: bool| if b { "on" } else { "off" };
    let state = if p.playing {
        let playing = crate::tr!(lang, "tui-raft-playing", speed = p.speed.to_string());
        format!("▶ {playing}")
    } else {
        format!("‖ {}", crate::tr!(lang, "tui-raft-paused"))
    };
    let rest = match &p.note {
        Some(n) => n.clone(),
        None => format!(
            "seed {} · PreVote {} · CheckQuorum {}",
            v.seed,
            on(v.pre_vote),
            on(v.check_quorum)
        ),
    };
    let spans = vec![
        Span::styled(format!("tick {} ", v.tick), pal.accent()),
        Span::styled(state, if p.playing { pal.ok() } else { pal.warn() }),
        Span::styled(format!(" · {rest}"), pal.dim()),
    ];
    clip(spans, w)
}

/// The mark a timeline moment leaves on the bar (it says its kind without colour).
fn mark_symbol(k: MarkKind) -> char {
    match k {
        MarkKind::Election => '★',
        MarkKind::Fault => '✗',
        MarkKind::Request => '+',
        MarkKind::Violation => '!',
    }
}

/// `0 ━━★━━✗━┃──★── 60`: ticks from 0 to the end of the longest run known, the part run
/// so far heavy, a rewound future light, the current tick a bar.
fn timeline_bar(snap: &Snapshot, pal: &Palette, w: usize) -> Line<'static> {
    let now = snap.view.tick;
    let end = snap.player.horizon.max(now).max(1);
    let left = format!("{now:>3} ");
    let right = format!(" {end}");
    let cells = w.saturating_sub(width(&left) + width(&right));
    if cells < 4 {
        return Line::raw(cut(&format!("tick {now}/{end}"), w));
    }
    let at = |t: u64| (t.min(end) as usize * (cells - 1)) / end as usize;
    let mut row: Vec<(char, Style)> = (0..cells)
        .map(|i| match i.cmp(&at(now)) {
            std::cmp::Ordering::Less => ('━', pal.accent()),
            _ if i <= at(snap.player.horizon) => ('─', pal.dim()),
            _ => (' ', Style::default()),
        })
        .collect();
    // Where marks share a cell, the rarer kind shows: violation, election, fault, request.
    let rank = |k: MarkKind| match k {
        MarkKind::Request => 0,
        MarkKind::Fault => 1,
        MarkKind::Election => 2,
        MarkKind::Violation => 3,
    };
    let mut marks = snap.player.marks.clone();
    marks.sort_by_key(|m| rank(m.kind));
    for m in marks {
        let style = match m.kind {
            MarkKind::Election => pal.ok(),
            MarkKind::Fault | MarkKind::Violation => pal.bad(),
            MarkKind::Request => pal.accent(),
        };
        row[at(m.tick)] = (mark_symbol(m.kind), style);
    }
    row[at(now)] = ('┃', pal.selected());
    let mut spans = vec![Span::styled(left, pal.dim())];
    spans.extend(row.into_iter().map(|(c, s)| Span::styled(c.to_string(), s)));
    spans.push(Span::styled(right, pal.dim()));
    Line::from(spans)
}

/// The keys in a line: each with its word while they all fit, else the keys alone, as
/// many as fit; the selected node and `? keys` always.
fn footer(pal: &Palette, w: usize, c: Controls) -> Line<'static> {
    let l = c.lang;
    let keys: [(&str, String); 11] = [
        ("Space", crate::tr!(l, "tui-raft-key-play")),
        (".", crate::tr!(l, "tui-raft-key-tick")),
        (",", crate::tr!(l, "tui-raft-key-message")),
        ("+-", crate::tr!(l, "tui-raft-key-speed")),
        ("[ ] { }", crate::tr!(l, "tui-raft-key-scrub")),
        ("c", crate::tr!(l, "tui-raft-key-crash")),
        ("i", crate::tr!(l, "tui-raft-key-isolate")),
        ("x", crate::tr!(l, "tui-raft-key-drop")),
        ("w", crate::tr!(l, "tui-raft-key-request")),
        ("v", crate::tr!(l, "tui-raft-key-split-vote")),
        ("e", crate::tr!(l, "tui-raft-key-campaign")),
    ];
    let tail = crate::tr!(l, "tui-raft-footer-node", node = c.selected);
    let long: Vec<String> = keys
        .iter()
        .map(|(k, word)| format!("{k} {word}"))
        .chain([tail.clone()])
        .collect();
    let long = long.join(" · ");
    let text = if width(&long) <= w {
        long
    } else {
        let room = w.saturating_sub(width(&tail) + 3);
        let mut short = String::new();
        for (k, _) in keys {
            if width(&short) + width(k) + 1 > room {
                break;
            }
            if !short.is_empty() {
                short.push(' ');
            }
            short.push_str(k);
        }
        format!("{short} · {tail}")
    };
    Line::from(Span::styled(cut(&text, w), pal.dim()))
}

/// A place in the ring's area, in cells from its top left (fractions allowed).
type Point = (f64, f64);

/// Where node `k` of `n` sits on a ring in a `w`×`h` area (cells from its top left):
/// node 1 at the top, then clockwise.
fn ring_position(k: usize, n: usize, w: f64, h: f64, label_w: f64) -> Point {
    let theta = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * k as f64 / n.max(1) as f64;
    let rx = (w / 2.0 - label_w / 2.0 - 1.0).max(1.0);
    let ry = (h / 2.0 - 1.5).max(1.0);
    (w / 2.0 + rx * theta.cos(), h / 2.0 + ry * theta.sin())
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::PreCandidate => "pre-cand",
        other => other.name(),
    }
}

fn fg(style: Style) -> Color {
    style.fg.unwrap_or(Color::Reset)
}

fn message_style(pal: &Palette, kind: &str) -> Style {
    if kind.contains("Vote") {
        pal.warn()
    } else if kind.contains("Append") || kind.contains("Heartbeat") {
        pal.accent()
    } else {
        pal.dim()
    }
}

/// The ring: a link for every pair with a message in flight (a dot near its receiver), a
/// cross on every cut link, and a two-line label per node.
fn draw_ring(f: &mut Frame, area: Rect, view: &ClusterView, pal: &Palette, selected: u64) {
    let n = view.nodes.len();
    if n == 0 || area.width < 8 || area.height < 4 {
        return;
    }
    let (w, h) = (f64::from(area.width), f64::from(area.height));
    const LABEL: usize = 15;
    let pos: Vec<Point> = (0..n)
        .map(|k| ring_position(k, n, w, h, LABEL as f64))
        .collect();
    let at = |id: u64| pos.get((id as usize).wrapping_sub(1)).copied();
    let mut links: Vec<(Point, Point, Color)> = Vec::new();
    let mut heads: Vec<(Point, Style)> = Vec::new();
    const DRAWN: usize = 40;
    for m in view.in_flight.iter().take(DRAWN) {
        let (Some(a), Some(b)) = (at(m.from), at(m.to)) else {
            continue;
        };
        let style = message_style(pal, &m.kind);
        links.push((a, b, fg(style)));
        heads.push(((a.0 + 0.7 * (b.0 - a.0), a.1 + 0.7 * (b.1 - a.1)), style));
    }
    // The canvas counts y upwards from the bottom; the cells count down from the top.
    let canvas = Canvas::default()
        .x_bounds([0.0, w])
        .y_bounds([0.0, h])
        .marker(Marker::Braille)
        .paint(|ctx| {
            for (a, b, color) in &links {
                ctx.draw(&canvas::Line::new(a.0, h - a.1, b.0, h - b.1, *color));
            }
        });
    f.render_widget(canvas, area);
    let buf = f.buffer_mut();
    let mut put = |x: f64, y: f64, text: &str, style: Style| {
        let (x, y) = (x.round().max(0.0) as u16, y.floor().max(0.0) as u16);
        if x < area.width && y < area.height {
            let room = (area.width - x) as usize;
            let line = Line::from(Span::styled(cut(text, room), style));
            buf.set_line(area.x + x, area.y + y, &line, room as u16);
        }
    };
    for (p, style) in &heads {
        put(p.0, p.1, "•", *style);
    }
    for l in view.links.iter().filter(|l| l.cut && l.from < l.to) {
        if let (Some(a), Some(b)) = (at(l.from), at(l.to)) {
            put((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0, "×", pal.bad());
        }
    }
    let centre = match view.leaders().first() {
        Some(l) => format!("leader {} · term {}", l.id, l.term),
        None => {
            let term = view.nodes.iter().map(|n| n.term).max().unwrap_or(0);
            format!("no leader · term {term}")
        }
    };
    put(
        w / 2.0 - width(&centre) as f64 / 2.0,
        h / 2.0,
        &centre,
        pal.dim(),
    );
    for (node, (x, y)) in view.nodes.iter().zip(&pos) {
        let mut style = role_style(pal, node.role);
        if node.id == selected {
            style = style.patch(pal.selected());
        }
        let top = format!(
            "{}{} {} t{}",
            role_mark(node.role),
            node.id,
            role_word(node.role),
            node.term
        );
        let timer = if node.role == Role::Down {
            "[ down ]".to_string()
        } else {
            bar(node.election_elapsed, node.election_timeout, 6)
        };
        let x0 = (x - width(&top) as f64 / 2.0).clamp(0.0, (w - width(&top) as f64).max(0.0));
        put(x0, y - 0.5, &top, style);
        put(x0, y + 0.5, &timer, pal.dim());
    }
}

/// The panel's scrollable lines for a Raft snapshot, or `None` when `data` is not one.
pub fn lines(
    data: &ClusterPanel,
    pal: &Palette,
    w: usize,
    selected: u64,
) -> Option<Vec<Line<'static>>> {
    Some(body_lines(snapshot(data)?, pal, w, selected))
}

fn body_lines(snap: &Snapshot, pal: &Palette, w: usize, selected: u64) -> Vec<Line<'static>> {
    let view = &snap.view;
    let timeline = &snap.timeline;
    let mut out = Vec::new();

    // Nodes.
    out.push(section(pal, "nodes"));
    for n in &view.nodes {
        let st = role_style(pal, n.role);
        let (pick, id_style) = if n.id == selected {
            ("▸", st.patch(pal.selected()))
        } else {
            (" ", st)
        };
        let mut spans = vec![
            Span::raw(pick),
            Span::styled(format!("{} {:<2}", role_mark(n.role), n.id), id_style),
            Span::styled(format!(" {:<13}", n.role.name()), st),
            Span::raw(format!(" term {:<3}", n.term)),
        ];
        if n.role != Role::Down {
            let vote = if n.vote == 0 {
                "-".to_string()
            } else {
                n.vote.to_string()
            };
            spans.push(Span::raw(format!(" vote {vote:<2}")));
            spans.push(Span::styled(
                format!(" {}", bar(n.election_elapsed, n.election_timeout, BAR)),
                pal.dim(),
            ));
            spans.push(Span::raw(format!(
                " {}/{}",
                n.election_elapsed, n.election_timeout
            )));
        }
        out.push(clip(spans, w));
    }
    for v in &view.votes {
        let g: Vec<String> = v.granted.iter().map(u64::to_string).collect();
        let r: Vec<String> = v.rejected.iter().map(u64::to_string).collect();
        let kind = if v.pre_vote { "pre-vote" } else { "vote" };
        out.push(Line::from(Span::styled(
            cut(
                &format!(
                    "  {kind} for {} (term {}): yes {} · no {} · needs {}",
                    v.candidate,
                    v.term,
                    if g.is_empty() {
                        "-".into()
                    } else {
                        g.join(",")
                    },
                    if r.is_empty() {
                        "-".into()
                    } else {
                        r.join(",")
                    },
                    v.quorum
                ),
                w,
            ),
            pal.dim(),
        )));
    }
    let cuts: Vec<String> = view
        .links
        .iter()
        .filter(|l| l.cut && l.from < l.to)
        .map(|l| format!("{}-{}", l.from, l.to))
        .collect();
    if !cuts.is_empty() {
        out.push(Line::from(Span::styled(
            cut(&format!("  cut links: {}", cuts.join(" ")), w),
            pal.bad(),
        )));
    }

    // Logs: one cell per entry, its term; committed entries bold, then `|`.
    out.push(section(pal, "logs (entry terms; | = commit point)"));
    let last = view.nodes.iter().map(|n| n.last_index).max().unwrap_or(0);
    let first = view
        .nodes
        .iter()
        .filter_map(|n| n.log.first().map(|e| e.index))
        .min()
        .unwrap_or(1);
    for n in &view.nodes {
        let mut spans = vec![Span::styled(
            format!("{:<3}", n.id),
            role_style(pal, n.role),
        )];
        for i in first..=last {
            let cell = match n.log.iter().find(|e| e.index == i) {
                Some(e) if i <= n.committed => Span::styled(
                    format!("{:>2}", e.term),
                    pal.ok().add_modifier(Modifier::BOLD),
                ),
                Some(e) => Span::raw(format!("{:>2}", e.term)),
                None => Span::styled(" .", pal.dim()),
            };
            spans.push(cell);
            if i == n.committed {
                spans.push(Span::styled("|", pal.accent()));
            }
        }
        spans.push(Span::styled(
            format!("  commit {} applied {}", n.committed, n.applied),
            pal.dim(),
        ));
        if !n.kv.is_empty() {
            let kv: Vec<String> = n.kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
            spans.push(Span::raw(format!("  {}", kv.join(" "))));
        }
        out.push(clip(spans, w));
    }

    // Messages in flight.
    out.push(section(
        pal,
        &format!("in flight ({})", view.in_flight.len()),
    ));
    const SHOWN: usize = 6;
    for m in view.in_flight.iter().take(SHOWN) {
        let mut s = format!(
            "  {} {} → {} term {} @{}",
            m.kind.trim_start_matches("Msg"),
            m.from,
            m.to,
            m.term,
            m.deliver_at
        );
        if m.entries > 0 {
            s.push_str(&format!(" +{} entries", m.entries));
        }
        if m.reject {
            s.push_str(" reject");
        }
        out.push(Line::raw(cut(&s, w)));
    }
    if view.in_flight.len() > SHOWN {
        out.push(Line::from(Span::styled(
            format!("  … {} more", view.in_flight.len() - SHOWN),
            pal.dim(),
        )));
    }
    for v in &view.violations {
        out.push(Line::from(Span::styled(cut(&v.to_string(), w), pal.bad())));
    }

    // Timeline.
    if !timeline.is_empty() {
        out.push(section(pal, "timeline"));
        for t in timeline {
            out.push(Line::raw(cut(t, w)));
        }
    }
    out
}

/// Cuts a line of spans to `w` columns.
fn clip(spans: Vec<Span<'static>>, w: usize) -> Line<'static> {
    let mut left = w;
    let mut out = Vec::new();
    for s in spans {
        if left == 0 {
            break;
        }
        let text = cut(&s.content, left);
        left = left.saturating_sub(crate::tui::text::width(&text));
        out.push(Span::styled(text, s.style));
    }
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// A fixed cluster, as the lesson engine publishes it: five nodes, a leader in term 2
    /// after a partition, four quiet ticks, then a write whose messages are in flight.
    fn data() -> ClusterPanel {
        let mut lab = crate::lesson::raft_step::RaftLab::default();
        lab.run_script(
            "campaign 1\nstabilize\npropose 1 x=1\nstabilize\npartition 1,2 | 3,4,5\n\
             propose 1 lost=1\ncampaign 3\nstabilize\ntick 4\npropose 3 y=2\nstep 2",
            Some(5),
            Some(7),
        )
        .expect("the script runs");
        lab.panel().expect("a cluster")
    }

    fn render(w: u16, h: u16) -> String {
        let pal = Palette { color: false };
        let data = data();
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| {
            let c = Controls {
                selected: 3,
                keys: true,
                lang: Lang::En,
            };
            assert!(draw(f, f.area(), &data, &pal, 0, c), "a raft snapshot");
        })
        .expect("draw");
        let buf = term.backend().buffer().clone();
        let mut s = String::new();
        for y in 0..h {
            for x in 0..w {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn raft_panel_80x24() {
        insta::assert_snapshot!(render(80, 24));
    }

    #[test]
    fn raft_panel_160x48() {
        insta::assert_snapshot!(render(160, 48));
    }

    #[test]
    fn other_kinds_fall_back() {
        let pal = Palette { color: false };
        let etcd = ClusterPanel::Etcd {
            members: Vec::new(),
        };
        assert!(lines(&etcd, &pal, 80, 1).is_none());
    }
}

//! The Cluster panel for the Raft track: a pure drawing of the engine's
//! `PanelSnapshot { panel: "cluster", data: {kind: "raft", view, timeline} }`. Nodes in a
//! row with role, term, vote and election timer; messages in flight; each node's log with
//! its commit point; the recent timeline.

use super::Palette;
use crate::raft::{ClusterView, Role};
use crate::tui::text::cut;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

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

fn bar(elapsed: u64, timeout: u64) -> String {
    let filled = (elapsed.min(timeout) * BAR as u64)
        .checked_div(timeout)
        .unwrap_or(0) as usize;
    format!("[{}{}]", "#".repeat(filled), ".".repeat(BAR - filled))
}

fn section(pal: &Palette, title: &str) -> Line<'static> {
    Line::from(Span::styled(title.to_string(), pal.heading()))
}

/// The panel's lines for a Raft snapshot, or `None` when `data` is not one (other kinds
/// keep the plain JSON view).
pub fn lines(data: &Value, pal: &Palette, w: usize) -> Option<Vec<Line<'static>>> {
    if data.get("kind")?.as_str()? != "raft" {
        return None;
    }
    let view: ClusterView = serde_json::from_value(data.get("view")?.clone()).ok()?;
    let timeline: Vec<String> = data
        .get("timeline")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    let on = |b: bool| if b { "on" } else { "off" };
    let mut out = vec![Line::from(Span::styled(
        cut(
            &format!(
                "tick {} · seed {} · PreVote {} · CheckQuorum {}",
                view.tick,
                view.seed,
                on(view.pre_vote),
                on(view.check_quorum)
            ),
            w,
        ),
        pal.dim(),
    ))];

    // Nodes.
    out.push(section(pal, "nodes"));
    for n in &view.nodes {
        let st = role_style(pal, n.role);
        let mut spans = vec![
            Span::styled(format!("{} {:<2}", role_mark(n.role), n.id), st),
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
                format!(" {}", bar(n.election_elapsed, n.election_timeout)),
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
        for t in &timeline {
            out.push(Line::raw(cut(t, w)));
        }
    }
    Some(out)
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
    use crate::raft::{Sim, SimConfig, parse_line};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;

    /// A fixed cluster: five nodes, a leader in term 2 after a partition, a pending write.
    fn data() -> Value {
        let mut sim = Sim::new(
            SimConfig {
                nodes: 5,
                ..Default::default()
            },
            7,
        )
        .expect("sim");
        for l in [
            "campaign 1",
            "stabilize",
            "propose 1 x=1",
            "stabilize",
            "partition 1,2 | 3,4,5",
            "propose 1 lost=1",
            "campaign 3",
            "stabilize",
            "propose 3 y=2",
            "step 2",
        ] {
            let cmd = parse_line(l).expect("parses").expect("a command");
            sim.apply(&cmd).expect("applies");
        }
        let t: Vec<String> = sim.timeline().iter().map(|e| e.to_string()).collect();
        serde_json::json!({
            "kind": "raft",
            "view": serde_json::to_value(sim.view()).expect("json"),
            "timeline": t[t.len().saturating_sub(12)..],
        })
    }

    fn render(w: u16, h: u16) -> String {
        let pal = Palette { color: false };
        let lines = lines(&data(), &pal, w as usize).expect("a raft snapshot");
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| f.render_widget(Paragraph::new(lines), f.area()))
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
        assert!(lines(&serde_json::json!({"kind": "etcd"}), &pal, 80).is_none());
        assert!(lines(&serde_json::json!({"view": 1}), &pal, 80).is_none());
    }
}

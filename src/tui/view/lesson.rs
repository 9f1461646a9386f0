//! The lesson view: the step's prose (Markdown), its checks, hints and output on the
//! left with the step list; the live panels on the right; the shell pane below.

use super::Palette;
use super::layout;
use crate::lesson::format::StepKind;
use crate::tui::highlight;
use crate::tui::markdown;
use crate::tui::state::{App, Focus, LessonState, ProseKey, StepMark};
use crate::tui::text::{cut, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::rc::Rc;

pub fn draw(f: &mut Frame, app: &App, pal: &Palette) {
    let Some((lesson, ls)) = app.open() else {
        return;
    };
    let l = layout::lesson(f.area(), ls.steps.len());
    if app.focus == Focus::Request && l.trace.is_none() {
        // The request builder needs the width: it takes the prose's place while it has
        // the keys.
        let body = l.prose.union(l.steps).union(l.panel);
        super::panels::draw(f, app, pal, body, None);
    } else {
        prose(f, app, ls, pal, l.prose);
        steps(f, app, ls, pal, l.steps);
        // The Raft track makes no system calls: its Cluster panel takes the trace's tile.
        let (panel, trace) = match l.trace {
            Some(t) if lesson.file.track == crate::lesson::format::Track::Raft => {
                (l.panel.union(t), None)
            }
            other => (l.panel, other),
        };
        super::panels::draw(f, app, pal, panel, trace);
    }
    super::shell::draw(f, app, pal, l.shell);
    super::status::draw(f, app, pal, l.status);
}

/// The hints for step `i`, in the order `h` reveals them: first those for the checks
/// that fail (`check_hints[kind]`), then the tiered hints.
pub fn hints_for(app: &App, i: usize) -> Vec<String> {
    let Some(text) = app.step_text(i) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    if let Some((_, ls)) = app.open()
        && let Some(s) = ls.steps.get(i)
    {
        for c in s.checks.iter().filter(|c| !c.pass) {
            if let Some(h) = text.check_hints.get(&c.check)
                && !out.contains(h)
            {
                out.push(h.clone());
            }
        }
    }
    out.extend(text.tiered_hints());
    out
}

fn mark_span(m: StepMark, pal: &Palette) -> Span<'static> {
    match m {
        StepMark::Todo => Span::styled("○", pal.dim()),
        StepMark::Running => Span::styled("▶", pal.warn()),
        StepMark::Pass => Span::styled("✓", pal.ok()),
        StepMark::Fail => Span::styled("✗", pal.bad()),
    }
}

pub(crate) fn prose(f: &mut Frame, app: &App, ls: &LessonState, pal: &Palette, area: Rect) {
    let focused = app.focus == Focus::Prose;
    let title = app
        .open()
        .and_then(|(l, _)| l.text(app.lang()).map(|t| t.title.clone()))
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(focused))
        .title(format!(
            " {} ",
            cut(&title, area.width.saturating_sub(4) as usize)
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = prose_lines(app, ls, pal, inner.width);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    let scroll = ls.prose_scroll.min(max);
    // Only the visible lines are handed to the widget: long lessons cost no more.
    let visible: Vec<Line> = lines
        .iter()
        .skip(scroll as usize)
        .take(inner.height as usize)
        .cloned()
        .collect();
    f.render_widget(Paragraph::new(visible), inner);
}

fn prose_lines(app: &App, ls: &LessonState, pal: &Palette, width: u16) -> Rc<Vec<Line<'static>>> {
    let i = ls.step;
    let sv = ls.steps.get(i);
    let key = ProseKey {
        step: i,
        width,
        highlighted: app.highlight_ready,
        hints: sv.map_or(0, |s| s.hints),
        checks: sv.map_or(0, |s| {
            s.checks.iter().fold(s.checks.len() as u64, |h, c| {
                h.wrapping_mul(31)
                    .wrapping_add(c.pass as u64 + c.sentence.len() as u64)
            })
        }),
        output_len: sv.map_or(0, |s| s.output.len()),
        chosen: sv.and_then(|s| s.chosen.clone()),
        mark: sv.map_or(0, |s| s.mark as u8),
    };
    if let Some((k, lines)) = ls.prose_cache.borrow().as_ref()
        && *k == key
    {
        return lines.clone();
    }
    let lines = Rc::new(build_prose(app, ls, pal, width));
    *ls.prose_cache.borrow_mut() = Some((key, lines.clone()));
    lines
}

fn build_prose(app: &App, ls: &LessonState, pal: &Palette, width: u16) -> Vec<Line<'static>> {
    let i = ls.step;
    let w = width as usize;
    let mut out = Vec::new();
    let Some(text) = app.step_text(i) else {
        return out;
    };
    let kind = app.step_kind(i).unwrap_or_default();
    let sv = ls.steps.get(i);
    let mark = sv.map_or(StepMark::Todo, |s| s.mark);
    let kind_name = match kind {
        StepKind::Run => crate::tr!(app.language(), "tui-step-kind-run"),
        StepKind::Task => crate::tr!(app.language(), "tui-step-kind-task"),
        StepKind::Quiz => crate::tr!(app.language(), "tui-step-kind-quiz"),
        StepKind::Read => crate::tr!(app.language(), "tui-step-kind-read"),
    };
    out.extend(wrap(
        &[(
            format!(
                "{}/{} · {kind_name} · {}",
                i + 1,
                ls.steps.len(),
                text.title
            ),
            pal.accent(),
        )],
        w,
        &[mark_span(mark, pal), Span::raw(" ")],
        &[Span::raw("  ")],
    ));
    out.push(Line::default());
    let hl = if app.highlight_ready {
        highlight::get()
    } else {
        None
    };
    out.extend(markdown::render(&text.body, width, pal, hl));

    if kind == StepKind::Quiz
        && let Some((l, _)) = app.open()
        && let Some(step) = l.file.steps.get(i)
    {
        out.push(Line::default());
        for (n, id) in step.choices.iter().enumerate() {
            let letter = (b'a' + n as u8) as char;
            let chosen = sv.and_then(|s| s.chosen.as_ref()) == Some(id);
            let label = text.choices.get(id).cloned().unwrap_or_else(|| id.clone());
            let style = if chosen {
                pal.selected()
            } else {
                Default::default()
            };
            let first = [Span::styled(
                format!("{} {letter}) ", if chosen { "●" } else { "○" }),
                style,
            )];
            out.extend(wrap(&[(label, style)], w, &first, &[Span::raw("     ")]));
        }
        let help = crate::tr!(app.language(), "tui-quiz-choose-letter");
        out.push(Line::styled(help, pal.dim()));
    }

    if let Some(s) = sv
        && !s.checks.is_empty()
    {
        out.push(Line::default());
        out.push(Line::styled(
            crate::tr!(app.language(), "tui-lesson-checks"),
            pal.accent(),
        ));
        for c in &s.checks {
            let (m, st) = if c.pass {
                ("✓ ", pal.ok())
            } else {
                ("✗ ", pal.bad())
            };
            out.extend(wrap(
                &[(c.sentence.clone(), Default::default())],
                w,
                &[Span::styled(m, st)],
                &[Span::raw("  ")],
            ));
        }
    }

    let hints = hints_for(app, i);
    let shown = sv.map_or(0, |s| s.hints).min(hints.len());
    if shown > 0 {
        out.push(Line::default());
        for (n, h) in hints.iter().take(shown).enumerate() {
            let first = [Span::styled(
                format!(
                    "{}: ",
                    crate::tr!(app.language(), "tui-lesson-hint", n = n + 1)
                ),
                pal.warn(),
            )];
            out.extend(wrap(
                &[(h.clone(), Default::default())],
                w,
                &first,
                &[Span::raw("  ")],
            ));
        }
    }
    // The solution shows once every hint has been given (or `s` was confirmed).
    if let Some((l, _)) = app.open()
        && let Some(step) = l.file.steps.get(i)
        && !step.solution.is_empty()
        && sv.is_some_and(|s| s.hints > hints.len())
    {
        out.push(Line::default());
        out.push(Line::styled(
            crate::tr!(app.language(), "tui-lesson-solution"),
            pal.accent(),
        ));
        for line in &step.solution {
            out.push(Line::from(vec![
                Span::styled("$ ", pal.dim()),
                Span::styled(cut(line, w.saturating_sub(2)), pal.code()),
            ]));
        }
    }

    if mark == StepMark::Pass
        && let Some(explain) = &text.explain
    {
        out.push(Line::default());
        out.push(Line::styled(
            crate::tr!(app.language(), "tui-lesson-why"),
            pal.accent(),
        ));
        out.extend(markdown::render(explain, width, pal, hl));
    }

    if let Some(s) = sv
        && !s.output.is_empty()
    {
        out.push(Line::default());
        out.push(Line::styled(
            crate::tr!(app.language(), "tui-lesson-output"),
            pal.accent(),
        ));
        let lines: Vec<&str> = s.output.lines().collect();
        for l in lines.iter().skip(lines.len().saturating_sub(12)) {
            out.push(Line::styled(cut(l, w), pal.code()));
        }
    }

    out.push(Line::default());
    let next = match (kind, mark) {
        (_, StepMark::Pass) => crate::tr!(app.language(), "tui-next-passed"),
        (StepKind::Task, StepMark::Running) => crate::tr!(app.language(), "tui-next-task-running"),
        (StepKind::Task, _) => crate::tr!(app.language(), "tui-next-task"),
        (StepKind::Quiz, _) => crate::tr!(app.language(), "tui-next-quiz"),
        (StepKind::Read, _) => crate::tr!(app.language(), "tui-next-read"),
        (StepKind::Run, _) => crate::tr!(app.language(), "tui-next-run"),
    };
    out.extend(wrap(&[(next.to_string(), pal.dim())], w, &[], &[]));
    out
}

fn steps(f: &mut Frame, app: &App, ls: &LessonState, pal: &Palette, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(pal.border(false))
        .title(format!(
            " {} ",
            crate::tr!(app.language(), "tui-lesson-steps")
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some((lesson, _)) = app.open() else {
        return;
    };
    let text = lesson.text(app.lang());
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (i, s) in lesson.file.steps.iter().enumerate() {
        let title = text
            .and_then(|t| t.steps.get(s.id.get_ref()))
            .map(|t| t.title.as_str())
            .unwrap_or(s.id.get_ref());
        let m = ls.steps.get(i).map_or(StepMark::Todo, |v| v.mark);
        let cur = i == ls.step;
        let style = if cur {
            pal.selected()
        } else {
            Default::default()
        };
        lines.push(Line::from(vec![
            mark_span(m, pal),
            Span::styled(format!(" {:>2} ", i + 1), style),
            Span::styled(cut(title, w.saturating_sub(5)), style),
        ]));
    }
    let h = inner.height as usize;
    let scroll = ls.step.saturating_sub(h.saturating_sub(1));
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

//! The Cluster panel for the RBAC track: a pure drawing of the engine's
//! typed `ClusterPanel::Rbac` snapshot: the objects as a tree,
//! the last request with its verdict and explanation, and the access matrix; and, while
//! the request builder has the keys, its form with the engine's answer to it.

use super::Palette;
use crate::i18n::Lang;
use crate::lesson::panel::{RbacObjectRow, RbacPanel, ReviewAnswer};
use crate::tui::request::{Field, RequestBuilder, Source, SubjectKind};
use crate::tui::text::{cut, width, wrap};
use ratatui::text::{Line, Span};

/// The panel's lines for `data`, cut to `w` columns.
pub fn lines(data: &RbacPanel, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    let text = |s: String, style| Line::from(Span::styled(cut(&s, w), style));
    let plain = |s: String| Line::raw(cut(&s, w));
    out.push(text(format!("work dir {}", data.work_dir), pal.dim()));
    if let Some(e) = &data.error {
        out.push(text(format!("✗ {e}"), pal.bad()));
    }
    let name = |o: &RbacObjectRow| match &o.namespace {
        Some(ns) => format!("{} {}/{}", o.kind, ns, o.name),
        None => format!("{} {}", o.kind, o.name),
    };
    // Roles first, then bindings, each in reading order.
    for o in data.objects.iter().filter(|o| o.is_role()) {
        out.push(text(name(o), pal.accent()));
        if let Some(sel) = &o.aggregates {
            out.push(text(
                format!("  ⊇ aggregates {}", sel.join(" | ")),
                pal.dim(),
            ));
        }
        let rules = o.rules.as_deref().unwrap_or_default();
        if rules.is_empty() {
            out.push(text("  (no rules)".into(), pal.dim()));
        }
        for (i, r) in rules.iter().enumerate() {
            let branch = if i + 1 == rules.len() { "└" } else { "├" };
            out.push(plain(format!("  {branch} {r}")));
        }
    }
    for o in data.objects.iter().filter(|o| !o.is_role()) {
        out.push(Line::from(vec![
            Span::styled(cut(&name(o), w), pal.accent()),
            Span::raw(cut(
                &format!(" → {}", o.role.as_deref().unwrap_or_default()),
                w,
            )),
        ]));
        let subs = o.subjects.as_deref().unwrap_or_default();
        for (i, s) in subs.iter().enumerate() {
            let branch = if i + 1 == subs.len() { "└" } else { "├" };
            out.push(plain(format!("  {branch} {s}")));
        }
    }
    if let Some(req) = &data.request {
        let req = &req.who;
        out.push(Line::raw(""));
        out.push(text("request".into(), pal.heading()));
        out.push(plain(format!("  {} {} {}", req.user, req.verb, req.target)));
        if !req.groups.is_empty() {
            out.push(text(
                format!("  groups {}", req.groups.join(", ")),
                pal.dim(),
            ));
        }
        let allowed = data.decision.as_ref().is_some_and(|d| d.allowed);
        let (mark, style) = if allowed {
            ("✓ yes", pal.ok())
        } else {
            ("✗ no", pal.bad())
        };
        out.push(text(format!("  {mark}"), style));
        for l in &data.explain {
            out.push(plain(format!("  {l}")));
        }
    }
    if let Some(c) = &data.create {
        out.push(Line::raw(""));
        out.push(text(
            format!("create {} as {}", c.file, c.user),
            pal.heading(),
        ));
        let ok = c.allowed;
        out.push(text(
            format!("  {} {}", if ok { "✓" } else { "✗" }, c.reason),
            if ok { pal.ok() } else { pal.bad() },
        ));
        for m in &c.missing {
            out.push(plain(format!("  missing {m}")));
        }
    }
    if let Some(m) = &data.matrix {
        out.push(Line::raw(""));
        let place = m
            .namespace
            .as_deref()
            .map(|n| format!("in {n}"))
            .unwrap_or_else(|| "at cluster scope".into());
        out.push(text(
            format!("access of {} {place}", m.user.name),
            pal.heading(),
        ));
        let width = m
            .rows
            .iter()
            .map(|r| r.resource.chars().count())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut head = format!("  {:<width$}", "RESOURCE");
        for v in &m.verbs {
            head.push_str(&format!(" {v:>6}"));
        }
        out.push(text(head, pal.dim()));
        for r in &m.rows {
            let mut spans = vec![Span::raw(format!("  {:<width$}", r.resource))];
            for ok in &r.allowed {
                if *ok {
                    spans.push(Span::styled(format!(" {:>6}", "yes"), pal.ok()));
                } else {
                    spans.push(Span::styled(format!(" {:>6}", "-"), pal.dim()));
                }
            }
            let line: String = spans.iter().map(|s| s.content.to_string()).collect();
            if line.chars().count() > w {
                out.push(plain(line));
            } else {
                out.push(Line::from(spans));
            }
        }
    }
    out
}

fn label(f: Field, lang: Lang) -> String {
    match f {
        Field::Subject => crate::tr!(lang, "tui-rbac-field-subject"),
        Field::User => crate::tr!(lang, "tui-rbac-field-user"),
        Field::Groups => crate::tr!(lang, "tui-rbac-field-groups"),
        Field::ServiceAccountNamespace | Field::Namespace => {
            crate::tr!(lang, "tui-rbac-field-namespace")
        }
        Field::ServiceAccountName | Field::Name => crate::tr!(lang, "tui-rbac-field-name"),
        Field::Verb => crate::tr!(lang, "tui-rbac-field-verb"),
        Field::Resource => crate::tr!(lang, "tui-rbac-field-resource"),
    }
}

/// The request builder: the form (the subject on one line, the request on the next, each
/// wrapped to `w`), the keys, then the engine's answer from `data.review`: the verdict
/// with the identity and explanation, or who may do the same. When the verdict comes
/// from a live API server, a first line says so.
pub fn request_lines(
    b: &RequestBuilder,
    data: &Source,
    pal: &Palette,
    w: usize,
    lang: Lang,
) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    if let Some(url) = &data.server {
        let from = crate::tr!(lang, "tui-rbac-verdict-from", url = url.as_str());
        out.push(Line::styled(cut(&from, w), pal.dim()));
    }
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut row_w = 0;
    for f in b.fields() {
        if f == Field::Verb && !row.is_empty() {
            out.push(Line::from(std::mem::take(&mut row)));
            row_w = 0;
        }
        let value = match (f, b.text(f)) {
            (Field::Subject, _) => match b.subject {
                SubjectKind::User => "User".to_string(),
                SubjectKind::ServiceAccount => "ServiceAccount".to_string(),
            },
            (Field::Namespace, Some("")) => crate::tr!(lang, "tui-rbac-cluster-scope"),
            (_, Some("")) => "-".to_string(),
            (_, t) => t.unwrap_or_default().to_string(),
        };
        let here = f == b.field;
        let value = if here && f != Field::Subject {
            format!("{value}▏")
        } else {
            value
        };
        let name = format!("{} ", label(f, lang));
        let chunk_w = width(&name) + width(&value) + 2;
        if row_w + chunk_w > w && !row.is_empty() {
            out.push(Line::from(std::mem::take(&mut row)));
            row_w = 0;
        }
        row.push(Span::styled(name, pal.dim()));
        let style = if here {
            pal.selected()
        } else {
            Default::default()
        };
        row.push(Span::styled(
            cut(&value, w.saturating_sub(row_w + 1)),
            style,
        ));
        row.push(Span::raw("  "));
        row_w += chunk_w;
    }
    if !row.is_empty() {
        out.push(Line::from(row));
    }
    let keys = if b.who_can {
        crate::tr!(lang, "tui-rbac-keys-who-can")
    } else {
        crate::tr!(lang, "tui-rbac-keys")
    };
    out.push(Line::styled(cut(&keys, w), pal.dim()));
    out.push(Line::raw(""));
    let wrapped = |out: &mut Vec<Line<'static>>, text: String, style, indent: usize| {
        let pad = [Span::raw(" ".repeat(indent))];
        out.extend(wrap(&[(text, style)], w, &pad, &pad));
    };
    let Some(r) = &data.review else {
        out.push(Line::styled(crate::tr!(lang, "tui-rbac-asking"), pal.dim()));
        return out;
    };
    if b.ask() != r.ask {
        out.push(Line::styled(crate::tr!(lang, "tui-rbac-asking"), pal.dim()));
    }
    let (who, allowed, explain, who_can) = match &r.answer {
        ReviewAnswer::Failed { error } => {
            wrapped(&mut out, format!("✗ {error}"), pal.bad(), 0);
            return out;
        }
        ReviewAnswer::Answered {
            who,
            allowed,
            explain,
            who_can,
        } => (who, *allowed, explain, who_can),
    };
    if b.who_can {
        let head = crate::tr!(
            lang,
            "tui-rbac-who-can",
            verb = who.verb.as_str(),
            target = who.target.as_str()
        );
        wrapped(&mut out, head, pal.heading(), 0);
        if who_can.subjects.is_empty() {
            let none = crate::tr!(lang, "tui-rbac-who-can-nobody");
            wrapped(&mut out, none, pal.dim(), 2);
        }
        for e in &who_can.subjects {
            wrapped(&mut out, e.subject.clone(), pal.accent(), 2);
            wrapped(&mut out, format!("← {}", e.binding), Default::default(), 4);
        }
        for g in &who_can.superuser_groups {
            let why = crate::tr!(lang, "tui-rbac-superuser");
            wrapped(&mut out, format!("Group {g:?} ({why})"), pal.dim(), 2);
        }
        return out;
    }
    let (mark, style) = if allowed {
        ("✓ yes", pal.ok())
    } else {
        ("✗ no", pal.bad())
    };
    out.push(Line::styled(mark, style));
    if let Some(reason) = explain.first() {
        wrapped(&mut out, reason.clone(), Default::default(), 2);
    }
    // A denial's reason names the user and groups already; an allowed one does not.
    if allowed {
        wrapped(&mut out, format!("user {}", who.user), pal.dim(), 2);
        wrapped(
            &mut out,
            format!("groups {}", who.groups.join(", ")),
            pal.dim(),
            2,
        );
    }
    for l in explain.iter().skip(1) {
        let indent = 2 + l.len() - l.trim_start().len();
        wrapped(
            &mut out,
            l.trim_start().to_string(),
            Default::default(),
            indent,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    use serde_json::json;

    fn data() -> RbacPanel {
        serde_json::from_value(json!({
            "kind": "rbac",
            "work_dir": "/run/contlab/lessons/rbac-demo",
            "files": ["roles.yaml"],
            "error": null,
            "objects": [
                {"kind": "Role", "name": "pod-reader", "namespace": "dev", "source": "roles.yaml:1",
                 "rules": ["get, list pods", "get pods/log"]},
                {"kind": "ClusterRole", "name": "monitoring", "namespace": null, "source": "roles.yaml:12",
                 "aggregates": ["rbac.example.com/aggregate-to-monitoring=true"],
                 "rules": ["get services"]},
                {"kind": "RoleBinding", "name": "read-pods", "namespace": "dev", "source": "roles.yaml:20",
                 "role": "Role/pod-reader", "subjects": ["User alice", "Group developers"]}
            ],
            "request": {"user": "alice", "groups": ["system:authenticated"], "verb": "list",
                        "target": "pods in namespace \"prod\"",
                        "ask": {"verb": "list", "resource": "pods", "name": null,
                                "namespace": "prod", "as": "alice"}},
            "decision": {"allowed": false, "reason": "", "grant": null, "near_misses": [],
                         "other_namespaces": []},
            "explain": [
                "RBAC: no binding allows User \"alice\" to list pods in namespace \"prod\"",
                "would be allowed elsewhere:",
                "  RoleBinding \"read-pods/dev\" applies only in namespace \"dev\""
            ],
            "matrix": {"user": {"name": "alice", "groups": []}, "namespace": "dev",
                       "verbs": ["get", "list", "delete"],
                       "rows": [{"resource": "pods", "api_group": "", "allowed": [true, true, false]},
                                {"resource": "pods/log", "api_group": "", "allowed": [true, false, false]}]},
            "who_can": null,
            "create": null
        }))
        .expect("an RBAC panel")
    }

    fn render(w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| {
            let l = lines(&data(), &Palette { color: false }, w as usize);
            f.render_widget(Paragraph::new(l), f.area());
        })
        .expect("draw");
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn rbac_panel_80x24() {
        insta::assert_snapshot!(render(80, 24));
    }

    #[test]
    fn rbac_panel_160x48() {
        insta::assert_snapshot!(render(160, 48));
    }

    #[test]
    fn denial_and_tree_are_drawn() {
        let s = render(160, 48);
        assert!(
            s.contains("RoleBinding dev/read-pods → Role/pod-reader"),
            "{s}"
        );
        assert!(s.contains("✗ no"), "{s}");
        assert!(s.contains("applies only in namespace \"dev\""), "{s}");
        assert!(s.contains("└ Group developers"), "{s}");
    }
}

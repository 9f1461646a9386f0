//! The Cluster panel for the RBAC track: a pure drawing of the engine's
//! `PanelSnapshot { panel: "cluster", data: {"kind": "rbac", …} }`: the objects as a tree,
//! the last request with its verdict and explanation, and the access matrix.

use super::Palette;
use crate::tui::text::cut;
use ratatui::text::{Line, Span};
use serde_json::Value;

fn st(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The panel's lines for `data`, cut to `w` columns.
pub fn lines(data: &Value, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    let text = |s: String, style| Line::from(Span::styled(cut(&s, w), style));
    let plain = |s: String| Line::raw(cut(&s, w));
    out.push(text(
        format!("work dir {}", st(&data["work_dir"])),
        pal.dim(),
    ));
    if let Some(e) = data["error"].as_str() {
        out.push(text(format!("✗ {e}"), pal.bad()));
    }
    let objects = data["objects"].as_array().cloned().unwrap_or_default();
    let is_role = |o: &Value| matches!(o["kind"].as_str(), Some("Role" | "ClusterRole"));
    let name = |o: &Value| match o["namespace"].as_str() {
        Some(ns) => format!("{} {}/{}", st(&o["kind"]), ns, st(&o["name"])),
        None => format!("{} {}", st(&o["kind"]), st(&o["name"])),
    };
    // Roles first, then bindings, each in reading order.
    for o in objects.iter().filter(|o| is_role(o)) {
        out.push(text(name(o), pal.accent()));
        if let Some(sel) = o["aggregates"].as_array() {
            let sel: Vec<String> = sel.iter().map(st).collect();
            out.push(text(
                format!("  ⊇ aggregates {}", sel.join(" | ")),
                pal.dim(),
            ));
        }
        let rules = o["rules"].as_array().cloned().unwrap_or_default();
        if rules.is_empty() {
            out.push(text("  (no rules)".into(), pal.dim()));
        }
        for (i, r) in rules.iter().enumerate() {
            let branch = if i + 1 == rules.len() { "└" } else { "├" };
            out.push(plain(format!("  {branch} {}", st(r))));
        }
    }
    for o in objects.iter().filter(|o| !is_role(o)) {
        out.push(Line::from(vec![
            Span::styled(cut(&name(o), w), pal.accent()),
            Span::raw(cut(&format!(" → {}", st(&o["role"])), w)),
        ]));
        let subs = o["subjects"].as_array().cloned().unwrap_or_default();
        for (i, s) in subs.iter().enumerate() {
            let branch = if i + 1 == subs.len() { "└" } else { "├" };
            out.push(plain(format!("  {branch} {}", st(s))));
        }
    }
    if let Some(req) = data.get("request").filter(|r| !r.is_null()) {
        out.push(Line::raw(""));
        out.push(text("request".into(), pal.heading()));
        let groups: Vec<String> = req["groups"]
            .as_array()
            .map(|g| g.iter().map(st).collect())
            .unwrap_or_default();
        out.push(plain(format!(
            "  {} {} {}",
            st(&req["user"]),
            st(&req["verb"]),
            st(&req["target"])
        )));
        if !groups.is_empty() {
            out.push(text(format!("  groups {}", groups.join(", ")), pal.dim()));
        }
        let allowed = data["decision"]["allowed"].as_bool().unwrap_or(false);
        let (mark, style) = if allowed {
            ("✓ yes", pal.ok())
        } else {
            ("✗ no", pal.bad())
        };
        out.push(text(format!("  {mark}"), style));
        for l in data["explain"].as_array().into_iter().flatten() {
            out.push(plain(format!("  {}", st(l))));
        }
    }
    if let Some(c) = data.get("create").filter(|c| !c.is_null()) {
        out.push(Line::raw(""));
        out.push(text(
            format!("create {} as {}", st(&c["file"]), st(&c["user"])),
            pal.heading(),
        ));
        let ok = c["allowed"].as_bool().unwrap_or(false);
        out.push(text(
            format!("  {} {}", if ok { "✓" } else { "✗" }, st(&c["reason"])),
            if ok { pal.ok() } else { pal.bad() },
        ));
        for m in c["missing"].as_array().into_iter().flatten() {
            out.push(plain(format!("  missing {}", st(m))));
        }
    }
    if let Some(m) = data.get("matrix").filter(|m| !m.is_null()) {
        out.push(Line::raw(""));
        let place = m["namespace"]
            .as_str()
            .map(|n| format!("in {n}"))
            .unwrap_or_else(|| "at cluster scope".into());
        out.push(text(
            format!("access of {} {place}", st(&m["user"]["name"])),
            pal.heading(),
        ));
        let verbs: Vec<String> = m["verbs"]
            .as_array()
            .map(|v| v.iter().map(st).collect())
            .unwrap_or_default();
        let rows = m["rows"].as_array().cloned().unwrap_or_default();
        let width = rows
            .iter()
            .map(|r| st(&r["resource"]).chars().count())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut head = format!("  {:<width$}", "RESOURCE");
        for v in &verbs {
            head.push_str(&format!(" {v:>6}"));
        }
        out.push(text(head, pal.dim()));
        for r in &rows {
            let mut spans = vec![Span::raw(format!("  {:<width$}", st(&r["resource"])))];
            for ok in r["allowed"].as_array().into_iter().flatten() {
                if ok.as_bool() == Some(true) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    use serde_json::json;

    fn data() -> Value {
        json!({
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
                        "target": "pods in namespace \"prod\""},
            "decision": {"allowed": false},
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
        })
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

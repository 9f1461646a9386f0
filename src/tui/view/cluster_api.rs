//! The Cluster panel of the API server track, drawn from the typed `ClusterPanel::Api`
//! snapshot: where the server and etcd answer, etcd's keys (the most recently written
//! first, with their version and revision), and the audit log's last requests, each
//! coloured by its HTTP status.

use super::Palette;
use crate::lesson::panel::ApiPanel;
use crate::tui::text::cut;
use ratatui::text::{Line, Span};

pub fn lines(data: &ApiPanel, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(Span::styled(
            cut(&format!("API server {}", data.url), w),
            pal.accent(),
        )),
        Line::from(Span::styled(
            cut(&format!("etcd {}", data.etcd.join(" ")), w),
            pal.dim(),
        )),
        Line::raw(""),
        Line::from(Span::styled(
            cut("etcd keys (newest write first) · version · mod_revision", w),
            pal.accent(),
        )),
    ];
    for k in &data.keys {
        let tail = format!(" v{} r{}", k.version, k.mod_revision);
        out.push(Line::from(vec![
            Span::raw(cut(&format!("  {}", k.key), w.saturating_sub(tail.len()))),
            Span::styled(tail, pal.dim()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(cut("audit log", w), pal.accent())));
    for a in &data.audit {
        let style = match a.split(' ').next().and_then(|c| c.parse::<u16>().ok()) {
            Some(c) if c < 300 => pal.ok(),
            Some(401 | 403) => pal.bad(),
            _ => pal.warn(),
        };
        out.push(Line::from(Span::styled(cut(&format!("  {a}"), w), style)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::panel::ApiKeyRow;

    #[test]
    fn keys_and_audit_lines_are_listed() {
        let data = ApiPanel {
            url: "https://127.0.0.1:40000".into(),
            etcd: vec!["http://127.0.0.1:40001".into()],
            keys: vec![ApiKeyRow {
                key: "/registry/configmaps/shop/menu".into(),
                version: 2,
                mod_revision: 17,
            }],
            audit: vec!["403 bob list pods in namespace \"dev\"".into()],
            ..Default::default()
        };
        let text: Vec<String> = lines(&data, &Palette { color: false }, 100)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        let all = text.join("\n");
        assert!(all.contains("API server https://127.0.0.1:40000"), "{all}");
        assert!(
            all.contains("/registry/configmaps/shop/menu v2 r17"),
            "{all}"
        );
        assert!(all.contains("403 bob list pods"), "{all}");
    }
}

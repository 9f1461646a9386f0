//! The Net panel (key 5) of the networking track, drawn from the typed `ClusterPanel::Net`
//! snapshot in sections: the node's interfaces (state, bridge, addresses), its routes,
//! the Services' NAT rules (kube-proxy's) with their packet counters, conntrack entries,
//! and the cluster DNS server's last queries with their answers, newest last.

use super::Palette;
use crate::lesson::panel::NetPanel;
use crate::tui::text::{cut, pad};
use ratatui::text::{Line, Span};

pub fn lines(data: &NetPanel, pal: &Palette, w: usize) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        cut(&format!("node {}", data.node), w),
        pal.accent(),
    ))];
    let nw = data.links.iter().map(|l| l.name.len()).max().unwrap_or(0);
    section(&mut out, "interfaces", &data.links, pal, w, |l| {
        let state = if l.up {
            Span::styled("up  ", pal.ok())
        } else {
            Span::styled("down", pal.bad())
        };
        let mut rest = l.addresses.join(" ");
        if let Some(m) = &l.master {
            rest = format!("master {m} {rest}");
        }
        Line::from(vec![
            Span::raw(format!("  {} ", pad(&l.name, nw))),
            state,
            Span::raw(cut(&format!(" {rest}"), w.saturating_sub(nw + 7))),
        ])
    });
    section(&mut out, "routes", &data.routes, pal, w, |r| {
        Line::raw(cut(&format!("  {r}"), w))
    });
    section(
        &mut out,
        "Services' NAT rules (packets)",
        &data.nat,
        pal,
        w,
        |n| {
            let style = if n.packets > 0 { pal.ok() } else { pal.dim() };
            Line::from(vec![
                Span::styled(format!("  {:>6} ", n.packets), style),
                Span::raw(cut(
                    n.rule.strip_prefix("-A ").unwrap_or(&n.rule),
                    w.saturating_sub(9),
                )),
            ])
        },
    );
    section(&mut out, "conntrack", &data.conntrack, pal, w, |c| {
        Line::raw(cut(&format!("  {c}"), w))
    });
    let Some(dns) = &data.dns else {
        return out;
    };
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        cut(
            &format!("DNS queries · udp {} · TTL {} s", dns.server, dns.ttl),
            w,
        ),
        pal.accent(),
    )));
    for q in &dns.queries {
        let client = q.client.rsplit_once(':').map_or("", |(ip, _)| ip);
        let said = if q.answers.is_empty() {
            q.rcode.clone()
        } else {
            q.answers.join(" ")
        };
        let style = if q.rcode == "NOERROR" {
            pal.ok()
        } else {
            pal.warn()
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:>7} {:<15} ", format!("{}ms", q.at_ms), client),
                pal.dim(),
            ),
            Span::raw(format!("{:<5} ", q.qtype)),
            Span::raw(cut(&format!("{} ", q.name), w.saturating_sub(32))),
            Span::styled(cut(&said, w.saturating_sub(32)), style),
        ]));
    }
    out
}

/// A titled list of rows, left out when it has none.
fn section<T>(
    out: &mut Vec<Line<'static>>,
    title: &str,
    rows: &[T],
    pal: &Palette,
    w: usize,
    line: impl Fn(&T) -> Line<'static>,
) {
    if rows.is_empty() {
        return;
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(cut(title, w), pal.accent())));
    out.extend(rows.iter().map(line));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::panel::{DnsPanel, DnsQuery, NatRow, NetLinkRow};

    #[test]
    fn links_and_queries_are_listed() {
        let data = NetPanel {
            node: "contlab-node-1".into(),
            links: vec![NetLinkRow {
                name: "cni0".into(),
                up: true,
                master: None,
                addresses: vec!["10.244.1.1/24".into()],
            }],
            dns: Some(DnsPanel {
                server: "10.244.1.1:53".into(),
                ttl: 30,
                queries: vec![DnsQuery {
                    at_ms: 12,
                    client: "10.244.1.4:40000".into(),
                    name: "web.svc.cluster.local.".into(),
                    qtype: "A".into(),
                    rcode: "NXDOMAIN".into(),
                    answers: vec![],
                }],
            }),
            routes: vec!["10.244.1.0/24 dev cni0".into()],
            nat: vec![NatRow {
                packets: 7,
                rule: "-A KUBE-SVC-WEB -j KUBE-SEP-WEB-1".into(),
            }],
            conntrack: vec![
                "tcp TIME_WAIT 10.244.1.5:40312 → 10.96.0.10:80 ⇐ 10.244.1.2:80".into(),
            ],
        };
        let text: Vec<String> = lines(&data, &Palette { color: false }, 100)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        let all = text.join("\n");
        assert!(all.contains("cni0 up"), "{all}");
        assert!(all.contains("10.244.1.1/24"), "{all}");
        assert!(
            all.contains("DNS queries · udp 10.244.1.1:53 · TTL 30 s"),
            "{all}"
        );
        assert!(all.contains("10.244.1.4"), "{all}");
        assert!(all.contains("web.svc.cluster.local. NXDOMAIN"), "{all}");
        assert!(all.contains("routes\n  10.244.1.0/24 dev cni0"), "{all}");
        for title in ["interfaces", "Services' NAT rules (packets)", "conntrack"] {
            assert!(text.iter().any(|l| l == title), "{title}: {all}");
        }
        assert!(
            all.contains("      7 KUBE-SVC-WEB -j KUBE-SEP-WEB-1"),
            "{all}"
        );
        assert!(all.contains("⇐ 10.244.1.2:80"), "{all}");
    }
}

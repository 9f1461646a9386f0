//! The Net panel (key 5) of the networking track, drawn from the typed `ClusterPanel::Net`
//! snapshot in sections: the node's interfaces (state, bridge, addresses), its routes,
//! the Services' NAT rules (kube-proxy's) with their packet counters, conntrack entries,
//! the Ingress controller's rules and last requests (the backend each one reached), and the
//! cluster DNS server's last queries with their answers, newest last.

use super::Palette;
use crate::lesson::panel::{IngressPanel, NetPanel};
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
    if let Some(ing) = &data.ingress {
        ingress(&mut out, ing, pal, w);
    }
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
            stamp(q.at_ms, &q.client, pal),
            Span::raw(format!("{:<5} ", q.qtype)),
            Span::raw(cut(&format!("{} ", q.name), w.saturating_sub(32))),
            Span::styled(cut(&said, w.saturating_sub(32)), style),
        ]));
    }
    out
}

/// The Ingress controller: its rules, a refusal of its file, and its last requests
/// (`METHOD HOST+PATH STATUS SERVICE → POD ADDRESS`), newest last.
fn ingress(out: &mut Vec<Line<'static>>, ing: &IngressPanel, pal: &Palette, w: usize) {
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        cut(&format!("Ingress · http {} · {}", ing.server, ing.file), w),
        pal.accent(),
    )));
    for r in &ing.rules {
        out.push(Line::raw(cut(&format!("  {r}"), w)));
    }
    if let Some(e) = &ing.refused {
        out.push(Line::from(Span::styled(
            cut(&format!("  {e}"), w),
            pal.bad(),
        )));
    }
    for q in &ing.requests {
        let style = if q.status == 200 {
            pal.ok()
        } else {
            pal.warn()
        };
        out.push(Line::from(vec![
            stamp(q.at_ms, &q.client, pal),
            Span::raw(cut(
                &format!("{} {}{} ", q.method, q.host, q.path),
                w.saturating_sub(26),
            )),
            Span::styled(format!("{} ", q.status), style),
            Span::raw(cut(&q.backend, w.saturating_sub(30))),
        ]));
    }
}

/// When a logged request came (ms since its server started) and from which address
/// (`IP:PORT`, shown without the port).
fn stamp(at_ms: u64, client: &str, pal: &Palette) -> Span<'static> {
    let ip = client.rsplit_once(':').map_or("", |(ip, _)| ip);
    Span::styled(
        format!("  {:>7} {:<15} ", format!("{at_ms}ms"), ip),
        pal.dim(),
    )
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
    use crate::lesson::panel::{
        DnsPanel, DnsQuery, IngressPanel, NatRow, NetLinkRow, ProxyRequest,
    };

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
            ingress: Some(IngressPanel {
                server: "10.244.1.1:80".into(),
                file: "ingress.yaml".into(),
                rules: vec!["* /api (Prefix) → api:80".into()],
                refused: Some("ingress.yaml:9: the path \"api\" does not start with '/'.".into()),
                requests: vec![ProxyRequest {
                    at_ms: 40,
                    client: "10.244.1.4:41000".into(),
                    method: "GET".into(),
                    host: "api.example".into(),
                    path: "/api".into(),
                    rule: "* /api (Prefix)".into(),
                    backend: "api → api 10.244.1.3:80".into(),
                    status: 200,
                }],
            }),
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
        assert!(
            all.contains("Ingress · http 10.244.1.1:80 · ingress.yaml"),
            "{all}"
        );
        assert!(all.contains("  * /api (Prefix) → api:80"), "{all}");
        assert!(all.contains("ingress.yaml:9: the path"), "{all}");
        assert!(
            all.contains("GET api.example/api 200 api → api 10.244.1.3:80"),
            "{all}"
        );
    }
}

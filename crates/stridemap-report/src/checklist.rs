//! The security checklist section of the text, Markdown and HTML reports (the JSON report
//! carries `checklist` as it is), and the output of `stridemap checklist`.

use crate::html::escape;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;
use stridemap_model::checklist::{Checklist, ChecklistEntry, Section, Status};

fn status_style(s: Status) -> Style {
    match s {
        Status::Pass => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Status::Fail => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Status::Unknown => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
    }
}

/// Threat ids for one line: the first few, then how many more.
fn threat_list(ids: &[String], max: usize) -> String {
    let mut s = ids.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > max {
        let _ = write!(s, " and {} more", ids.len() - max);
    }
    s
}

fn sections(checklist: &Checklist) -> Vec<(Section, Vec<&ChecklistEntry>)> {
    Section::ALL
        .iter()
        .map(|s| {
            (
                *s,
                checklist
                    .items
                    .iter()
                    .filter(|i| i.section == *s)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, items)| !items.is_empty())
        .collect()
}

fn summary_line(checklist: &Checklist) -> String {
    Status::ALL
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                checklist.summary.get(s.as_str()).unwrap_or(&0),
                s.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checklist as terminal text; `namespaces` adds the per-namespace verdicts.
pub fn text(checklist: &Checklist, color: bool, namespaces: bool) -> String {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut out = paint(
        bold,
        &format!("SECURITY CHECKLIST ({})", summary_line(checklist)),
    );
    out.push('\n');
    for (section, items) in sections(checklist) {
        let _ = writeln!(out, "  {}", paint(bold, section.title()));
        for i in items {
            let tag = format!("{:7}", i.status.as_str().to_uppercase());
            let _ = write!(
                out,
                "    {}  {}  {}",
                paint(status_style(i.status), &tag),
                i.id,
                i.title
            );
            if !i.threats.is_empty() {
                let _ = write!(out, "  [{}]", threat_list(&i.threats, 5));
            }
            out.push('\n');
            if i.status == Status::Unknown {
                if let Some(r) = &i.reason {
                    let _ = writeln!(out, "             {}", paint(dim, r));
                }
            }
        }
    }
    if namespaces && !checklist.namespaces.is_empty() {
        let _ = writeln!(out, "  {}", paint(bold, "Per namespace (workload items)"));
        for ns in &checklist.namespaces {
            let failing: Vec<&str> = ns
                .items
                .iter()
                .filter(|e| e.status == Status::Fail)
                .map(|e| e.id.as_str())
                .collect();
            let counts = Status::ALL
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        ns.summary.get(s.as_str()).unwrap_or(&0),
                        s.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "    {:24} {counts}", ns.namespace);
            if !failing.is_empty() {
                let _ = writeln!(
                    out,
                    "      {}",
                    paint(dim, &format!("fails: {}", failing.join(", ")))
                );
            }
        }
    }
    out.push('\n');
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The checklist as a Markdown section.
pub fn markdown(checklist: &Checklist) -> String {
    if checklist.items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n## Security checklist\n\n{}.\n", summary_line(checklist));
    for (section, items) in sections(checklist) {
        let _ = write!(
            out,
            "\n### {}\n\n| Item | Verdict | Threats or reason |\n|---|---|---|\n",
            section.title()
        );
        for i in items {
            let detail = if i.threats.is_empty() {
                i.reason.clone().unwrap_or_default()
            } else {
                threat_list(&i.threats, 8)
            };
            let _ = writeln!(
                out,
                "| `{}` {} | **{}** | {} |",
                i.id,
                cell(&i.title),
                i.status.as_str(),
                cell(&detail)
            );
        }
    }
    if !checklist.namespaces.is_empty() {
        out.push_str("\n### Per namespace\n\n| Namespace | Pass | Fail | Unknown | Failing items |\n|---|---:|---:|---:|---|\n");
        for ns in &checklist.namespaces {
            let n = |s: Status| *ns.summary.get(s.as_str()).unwrap_or(&0);
            let failing: Vec<String> = ns
                .items
                .iter()
                .filter(|e| e.status == Status::Fail)
                .map(|e| format!("`{}`", e.id))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&ns.namespace),
                n(Status::Pass),
                n(Status::Fail),
                n(Status::Unknown),
                failing.join(", ")
            );
        }
    }
    out
}

/// The checklist as an HTML section.
pub fn html(checklist: &Checklist, out: &mut String) {
    if checklist.items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"checklist\">\n<h2>Security checklist</h2>\n<p class=\"lede\">{}. Fail: a rule that checks the item found a threat. Pass: its rules ran over resources it concerns and found nothing. Unknown: it cannot be told from the repository.</p>\n<table class=\"checklist\">\n<thead><tr><th>Section</th><th>Item</th><th>Verdict</th><th>Threats or reason</th></tr></thead>\n<tbody>",
        escape(&summary_line(checklist))
    );
    for (section, items) in sections(checklist) {
        for i in items {
            let detail = if i.threats.is_empty() {
                escape(i.reason.as_deref().unwrap_or(""))
            } else {
                i.threats
                    .iter()
                    .map(|t| {
                        let t = escape(t);
                        format!("<a href=\"#{t}\">{t}</a>")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "<tr class=\"check-{}\"><td>{}</td><td><code>{}</code> {}</td><td><span class=\"verdict {}\">{}</span></td><td>{}</td></tr>",
                i.status.as_str(),
                escape(section.title()),
                escape(&i.id),
                escape(&i.title),
                i.status.as_str(),
                i.status.as_str(),
                detail
            );
        }
    }
    out.push_str("</tbody>\n</table>\n");
    if !checklist.namespaces.is_empty() {
        out.push_str("<table class=\"checklist-namespaces\">\n<thead><tr><th>Namespace</th><th>Pass</th><th>Fail</th><th>Unknown</th><th>Failing items</th></tr></thead>\n<tbody>\n");
        for ns in &checklist.namespaces {
            let n = |s: Status| *ns.summary.get(s.as_str()).unwrap_or(&0);
            let failing: Vec<String> = ns
                .items
                .iter()
                .filter(|e| e.status == Status::Fail)
                .map(|e| format!("<code>{}</code>", escape(&e.id)))
                .collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&ns.namespace),
                n(Status::Pass),
                n(Status::Fail),
                n(Status::Unknown),
                failing.join(", ")
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::checklist::{count, NamespaceChecklist, NamespaceEntry};

    fn sample() -> Checklist {
        let items = vec![
            ChecklistEntry {
                id: "pod.no-privileged".into(),
                section: Section::PodSecurity,
                title: "No <privileged> | containers".into(),
                status: Status::Fail,
                threats: vec!["THREAT-1".into()],
                rules: vec!["CTR-PRIVILEGED".into()],
                reason: None,
            },
            ChecklistEntry {
                id: "secrets.rotated".into(),
                section: Section::Secrets,
                title: "Rotated".into(),
                status: Status::Unknown,
                threats: vec![],
                rules: vec![],
                reason: Some("not visible".into()),
            },
        ];
        Checklist {
            summary: count(items.iter().map(|i| &i.status)),
            items,
            namespaces: vec![NamespaceChecklist {
                namespace: "shop".into(),
                items: vec![NamespaceEntry {
                    id: "pod.no-privileged".into(),
                    status: Status::Fail,
                    threats: vec!["THREAT-1".into()],
                }],
                summary: count([Status::Fail].iter()),
            }],
        }
    }

    #[test]
    fn renders_every_item_escaped() {
        let c = sample();
        let t = text(&c, false, true);
        assert!(t.contains("FAIL     pod.no-privileged"), "{t}");
        assert!(t.contains("UNKNOWN  secrets.rotated"));
        assert!(t.contains("not visible"));
        assert!(t.contains("fails: pod.no-privileged"));
        let md = markdown(&c);
        assert!(md.contains("No <privileged> \\| containers"));
        assert!(md.contains("| shop | 0 | 1 | 0 | `pod.no-privileged` |"));
        let mut h = String::new();
        html(&c, &mut h);
        assert!(h.contains("No &lt;privileged&gt; | containers"));
        assert!(h.contains("<a href=\"#THREAT-1\">THREAT-1</a>"));
    }
}

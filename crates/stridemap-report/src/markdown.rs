//! A Markdown report for pull requests and wikis: summary tables, the Mermaid diagram, attack
//! paths, STRIDE per element, and the threats grouped by severity, each in a collapsible block.

use std::fmt::Write as _;
use stridemap_model::{Report, Severity, Stride, Threat};

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Text placed inside raw HTML (`<summary>`), where Markdown does not escape for us.
fn escape_html(s: &str) -> String {
    crate::html::escape(s)
}

/// Mermaid source above which the diagram is left out: GitHub refuses to render larger ones
/// (about 50,000 characters), and a diagram that size helps nobody in a pull request.
const MAX_MERMAID_CHARS: usize = 40_000;

fn diagram(report: &Report) -> String {
    let a = &report.architecture;
    if a.services.len() + a.data_stores.len() + a.message_brokers.len() + a.entry_points.len() == 0
    {
        return String::new();
    }
    let mermaid = crate::graph::mermaid_of_architecture(a);
    let mut out = String::from("\n## Architecture\n\n");
    if mermaid.len() > MAX_MERMAID_CHARS {
        let _ = write!(out,
            "The diagram ({} nodes, {} flows) is too large for a Markdown page: `stridemap graph` writes it, and the HTML report draws it.\n",
            a.services.len() + a.data_stores.len() + a.message_brokers.len() + a.entry_points.len(),
            a.flows.len()
        );
        return out;
    }
    out.push_str("Red: flows that are not encrypted or not authenticated; dotted: asynchronous messages.\n\n```mermaid\n");
    out.push_str(&mermaid);
    out.push_str("```\n");
    out
}

fn attack_paths(report: &Report) -> String {
    if report.attack_paths.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Attack paths\n\n");
    for p in &report.attack_paths {
        let _ = write!(
            out,
            "### {} · {} · {}\n\n",
            p.id,
            p.severity,
            escape_cell(&p.title)
        );
        out.push_str("| Step | From | To | Enabled by | How |\n|---:|---|---|---|---|\n");
        for (i, s) in p.steps.iter().enumerate() {
            let links: Vec<String> = s
                .threat_ids
                .iter()
                .map(|t| format!("[{t}](#{})", t.to_ascii_lowercase()))
                .collect();
            let _ = write!(
                out,
                "| {} | `{}` | `{}` | {} | {} |\n",
                i + 1,
                s.from,
                s.to,
                links.join(", "),
                escape_cell(&s.description)
            );
        }
        out.push('\n');
    }
    out
}

fn elements(report: &Report) -> String {
    if report.elements.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## STRIDE per element\n\n`!` threatened · `+` mitigated (what was seen protecting it is in the JSON report) · `?` nothing to judge by\n\n| Element | Type | Verdicts | Threats |\n|---|---|---|---|\n");
    for e in &report.elements {
        let mut threats: Vec<&str> = e
            .categories
            .iter()
            .flat_map(|c| c.threats.iter().map(String::as_str))
            .collect();
        threats.sort();
        threats.dedup();
        let _ = write!(
            out,
            "| {} | {} | `{}` | {} |\n",
            escape_cell(&e.name),
            e.element_type,
            crate::text::stride_cell(e),
            threats.join(", ")
        );
    }
    out
}

fn location(t: &Threat) -> String {
    t.evidence
        .first()
        .map(|e| format!("{}:{}", e.file, e.line))
        .unwrap_or_default()
}

/// Threats by severity: an index table per severity, then each threat collapsed under a
/// one-line summary.
fn threats(report: &Report, out: &mut String) {
    out.push_str("\n## Threats\n");
    if report.threats.is_empty() {
        out.push_str("\nNo threats found.\n");
        return;
    }
    for severity in Severity::ALL {
        let group: Vec<&Threat> = report
            .threats
            .iter()
            .filter(|t| t.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n### {} ({})\n\n| Id | Rule | Title | Where |\n|---|---|---|---|\n",
            capitalised(severity.as_str()),
            group.len()
        );
        for t in &group {
            let _ = write!(
                out,
                "| [{}](#{}) | {} | {} | `{}` |\n",
                t.id,
                t.id.to_ascii_lowercase(),
                t.rule,
                escape_cell(&t.title),
                location(t)
            );
        }
        for t in group {
            details(t, out);
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn details(t: &Threat, out: &mut String) {
    let _ = write!(
        out,
        "\n<details>\n<summary><b>{}</b> · {} · {} · <code>{}</code></summary>\n\n#### {}\n\n**{}** — {} · {} · `{}`\n\n{}\n\n",
        t.id,
        escape_html(&t.rule),
        escape_html(&t.title),
        escape_html(&location(t)),
        t.id,
        t.title,
        t.severity,
        t.category,
        t.rule,
        t.description
    );
    if let Some(reason) = &t.severity_reason {
        let _ = write!(
            out,
            "- **Severity:** {} (rule default {}): {reason}\n",
            t.severity, t.base_severity
        );
    }
    let _ = write!(
        out,
        "- **Affected:** {}\n",
        t.affected_resources
            .iter()
            .chain(
                t.affected_components
                    .iter()
                    .skip(t.affected_resources.len())
            )
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = write!(out, "- **CWE:** {}\n", t.vulnerability_types.join(", "));
    let _ = write!(out, "- **Attack scenario:** {}\n", t.attack_scenario);
    let _ = write!(out, "- **Mitigation:** {}\n", t.mitigation);
    out.push_str("- **Evidence:**\n");
    for e in &t.evidence {
        let _ = write!(
            out,
            "  - `{}:{}` — `{}`\n",
            e.file,
            e.line,
            e.snippet.replace('`', "'")
        );
    }
    out.push_str("\n</details>\n");
}

/// The Markdown report.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    // About what each threat takes, so that the text is not copied as it grows.
    let mut out = String::with_capacity(64 * 1024 + report.threats.len() * 1600);
    let _ = write!(
        out,
        "# Threat model: `{}`\n\nGenerated by {} {}.\n\n",
        report.target, report.tool.name, report.tool.version
    );
    out.push_str("## Summary\n\n| Severity | Threats |\n|---|---:|\n");
    for sev in Severity::ALL {
        let _ = write!(
            out,
            "| {} | {} |\n",
            sev.as_str(),
            s.by_severity.get(sev.as_str()).unwrap_or(&0)
        );
    }
    let _ = write!(
        out,
        "| **total** | **{}** |\n\n| STRIDE category | Threats |\n|---|---:|\n",
        s.total
    );
    for cat in Stride::ALL {
        let _ = write!(
            out,
            "| {} | {} |\n",
            cat.as_str(),
            s.by_category.get(cat.as_str()).unwrap_or(&0)
        );
    }
    let left_out = crate::text::left_out(report);
    if !left_out.is_empty() {
        out.push('\n');
        out.push_str(&left_out);
    }
    out.push_str(&diagram(report));
    out.push_str(&attack_paths(report));
    out.push_str(&elements(report));
    out.push_str(&crate::checklist::markdown(&report.checklist));
    threats(report, &mut out);
    if !report.diagnostics.is_empty() {
        out.push_str("\n## Diagnostics\n\n");
        for d in &report.diagnostics {
            let _ = write!(out, "- {}\n", d.to_string().replace('`', "'"));
        }
    }
    out
}

//! The terminal summary: threats grouped by severity, each with `file:line`, rule id and title.

use anstyle::{AnsiColor, Style};
use stridemap_model::{Report, Severity};

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Critical => AnsiColor::BrightRed,
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Blue,
        Severity::Info => AnsiColor::White,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// Flows listed in the terminal summary before it points to the JSON and the diagram.
const MAX_FLOWS_SHOWN: usize = 40;

fn architecture(report: &Report, paint: &dyn Fn(Style, &str) -> String) -> String {
    let a = &report.architecture;
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let mut out = paint(
        bold,
        &format!(
            "ARCHITECTURE: {} services, {} data stores, {} message brokers, {} entry points, {} flows",
            a.services.len(),
            a.data_stores.len(),
            a.message_brokers.len(),
            a.entry_points.len(),
            a.flows.len()
        ),
    );
    out.push('\n');
    let names = |nodes: &[stridemap_model::architecture::ArchNode]| -> String {
        nodes
            .iter()
            .map(|n| {
                let mut s = n.id.clone();
                if let Some(t) = &n.technology {
                    s.push_str(&format!(" ({t})"));
                }
                if n.external {
                    s.push_str(" [external]");
                }
                s
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (title, nodes) in [
        ("services", &a.services),
        ("data stores", &a.data_stores),
        ("brokers", &a.message_brokers),
        ("entry points", &a.entry_points),
    ] {
        if !nodes.is_empty() {
            out.push_str(&format!("  {}: {}\n", paint(dim, title), names(nodes)));
        }
    }
    for f in a.flows.iter().take(MAX_FLOWS_SHOWN) {
        let mut what = f.protocol.clone();
        if let Some(p) = f.port {
            what.push_str(&format!(":{p}"));
        }
        if let Some(t) = &f.topic {
            what.push_str(&format!(" topic {t}"));
        }
        let entry = a.entry_points.iter().any(|e| e.id == f.from);
        let security = if entry {
            String::new()
        } else {
            match (f.encrypted, f.authenticated) {
                (true, true) => "encrypted, authenticated".into(),
                (true, false) => paint(red, "encrypted, unauthenticated"),
                (false, true) => paint(red, "plaintext, authenticated"),
                (false, false) => paint(red, "plaintext, unauthenticated"),
            }
        };
        let arrow = if f.is_async { "~>" } else { "->" };
        out.push_str(&format!(
            "  {} {arrow} {}  {what}  {security}\n",
            f.from, f.to
        ));
    }
    if a.flows.len() > MAX_FLOWS_SHOWN {
        out.push_str(&format!(
            "  … {} more flows: see `--format json` or `stridemap graph`\n",
            a.flows.len() - MAX_FLOWS_SHOWN
        ));
    }
    out.push('\n');
    out
}

pub fn render(report: &Report, color: bool) -> String {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();
    let mut out = architecture(report, &paint);
    for severity in Severity::ALL {
        let threats: Vec<_> = report
            .threats
            .iter()
            .filter(|t| t.severity == severity)
            .collect();
        if threats.is_empty() {
            continue;
        }
        out.push_str(&paint(
            severity_style(severity),
            &format!("{} ({})", severity.as_str().to_uppercase(), threats.len()),
        ));
        out.push('\n');
        for t in threats {
            let location = t
                .evidence
                .first()
                .map(|e| format!("{}:{}", e.file, e.line))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {}  {}  {}\n",
                paint(bold, &location),
                paint(severity_style(severity), &t.rule),
                t.title
            ));
            out.push_str(&format!("      {}\n", paint(dim, &t.description)));
        }
        out.push('\n');
    }
    let s = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            s.by_severity
                .get(sev.as_str())
                .filter(|&&n| n > 0)
                .map(|n| format!("{n} {}", sev.as_str()))
        })
        .collect();
    if s.total == 0 {
        out.push_str(&format!("No threats found in {}.\n", report.target));
    } else {
        out.push_str(&paint(
            bold,
            &format!(
                "{} threats in {}: {}",
                s.total,
                report.target,
                counts.join(", ")
            ),
        ));
        out.push('\n');
    }
    if !report.diagnostics.is_empty() {
        out.push_str(&format!(
            "{} diagnostics (files skipped or not fully parsed) were printed to stderr.\n",
            report.diagnostics.len()
        ));
    }
    out
}

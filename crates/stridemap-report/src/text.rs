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
    let mut out = String::new();
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

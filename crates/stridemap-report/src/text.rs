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

/// One letter per STRIDE category with its verdict: `!` threatened, `+` mitigated, `?` unknown.
pub(crate) fn stride_cell(e: &stridemap_model::report::ElementModel) -> String {
    use stridemap_model::report::Verdict;
    e.categories
        .iter()
        .map(|c| {
            let letter = match c.category {
                stridemap_model::Stride::Spoofing => 'S',
                stridemap_model::Stride::Tampering => 'T',
                stridemap_model::Stride::Repudiation => 'R',
                stridemap_model::Stride::InformationDisclosure => 'I',
                stridemap_model::Stride::DenialOfService => 'D',
                stridemap_model::Stride::ElevationOfPrivilege => 'E',
            };
            let mark = match c.status {
                Verdict::Threatened => '!',
                Verdict::Mitigated => '+',
                Verdict::Unknown => '?',
            };
            format!("{letter}{mark}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn attack_paths(report: &Report, paint: &dyn Fn(Style, &str) -> String) -> String {
    if report.attack_paths.is_empty() {
        return String::new();
    }
    let mut out = paint(
        Style::new().bold(),
        &format!("ATTACK PATHS ({})", report.attack_paths.len()),
    );
    out.push('\n');
    for p in &report.attack_paths {
        out.push_str(&format!(
            "  {} {}  {}\n",
            p.id,
            paint(severity_style(p.severity), p.severity.as_str()),
            p.title
        ));
        for s in &p.steps {
            out.push_str(&format!(
                "      {} → {}  [{}]  {}\n",
                s.from,
                s.to,
                s.threat_ids.join(", "),
                paint(Style::new().dimmed(), &s.description)
            ));
        }
    }
    out.push('\n');
    out
}

/// Elements shown in the terminal's STRIDE-per-element table.
const MAX_ELEMENTS_SHOWN: usize = 30;

fn elements(report: &Report, paint: &dyn Fn(Style, &str) -> String) -> String {
    let nodes: Vec<_> = report
        .elements
        .iter()
        .filter(|e| e.element_type != "data_flow")
        .collect();
    if nodes.is_empty() {
        return String::new();
    }
    let mut out = paint(
        Style::new().bold(),
        "STRIDE PER ELEMENT (! threatened, + mitigated, ? unknown)",
    );
    out.push('\n');
    let width = nodes
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(10)
        .min(40);
    for e in nodes.iter().take(MAX_ELEMENTS_SHOWN) {
        out.push_str(&format!(
            "  {:width$}  {:15}  {}\n",
            e.name,
            e.element_type,
            stride_cell(e)
        ));
    }
    if nodes.len() > MAX_ELEMENTS_SHOWN {
        out.push_str(&format!(
            "  … {} more elements (and every flow): see `--format json` or `--format markdown`\n",
            nodes.len() - MAX_ELEMENTS_SHOWN
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
    out.push_str(&attack_paths(report, &paint));
    out.push_str(&elements(report, &paint));
    out.push_str(&crate::checklist::text(&report.checklist, color, false));
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
    out.push_str(&left_out(report));
    out
}

/// What the user chose not to see: suppressed findings and threats known from the baseline.
pub(crate) fn left_out(report: &Report) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    if s.suppressed > 0 {
        parts.push(format!(
            "{} suppressed by comments or annotations",
            s.suppressed
        ));
    }
    if let Some(n) = s.baselined.filter(|&n| n > 0) {
        parts.push(format!("{n} already in the baseline"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("Not shown: {}.\n", parts.join("; "))
    }
}

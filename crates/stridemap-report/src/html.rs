//! The HTML report: one self-contained page a reviewer reads in a browser or prints. The
//! summary, the architecture diagram (inline SVG), attack paths as step lists, STRIDE per element,
//! and the threats with filters by severity, category, service and rule (a few lines of inline
//! script). Everything from the report is escaped; the report is already redacted.

use crate::diagram;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use stridemap_model::report::{ElementModel, Verdict};
use stridemap_model::{Report, Severity, Stride, Threat};

/// Appends `s` to `out`, escaped for HTML element content and quoted attribute values.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The characters replaced are ASCII, so `i` is always a character boundary.
        out.push_str(&s[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    push_escaped(&mut out, s);
    out
}

const CSS: &str = include_str!("../assets/report.css");
const JS: &str = include_str!("../assets/report.js");

/// Diagrams up to this width are first shown scaled to the page; wider ones at their natural
/// size, scrolling, where their labels stay readable. A button switches between the two.
const FIT_WIDTH: f64 = 2600.0;

fn severity_badge(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "<span class=\"badge sev-critical\">critical</span>",
        Severity::High => "<span class=\"badge sev-high\">high</span>",
        Severity::Medium => "<span class=\"badge sev-medium\">medium</span>",
        Severity::Low => "<span class=\"badge sev-low\">low</span>",
        Severity::Info => "<span class=\"badge sev-info\">info</span>",
    }
}

fn stride_letter(s: Stride) -> char {
    match s {
        Stride::Spoofing => 'S',
        Stride::Tampering => 'T',
        Stride::Repudiation => 'R',
        Stride::InformationDisclosure => 'I',
        Stride::DenialOfService => 'D',
        Stride::ElevationOfPrivilege => 'E',
    }
}

fn threat_link(id: &str) -> String {
    let id = escape(id);
    format!("<a href=\"#{id}\">{id}</a>")
}

fn header(report: &Report, out: &mut String) {
    let a = &report.architecture;
    let _ = write!(
        out,
        "<header>\n<h1>Threat model: <code>{}</code></h1>\n<p class=\"lede\">{} threats and {} attack paths in {} services, {} data stores, {} message brokers and {} entry points joined by {} flows.</p>\n",
        escape(&report.target),
        report.summary.total,
        report.attack_paths.len(),
        a.services.len(),
        a.data_stores.len(),
        a.message_brokers.len(),
        a.entry_points.len(),
        a.flows.len()
    );
    out.push_str("<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a><a href=\"#architecture\">Architecture</a><a href=\"#attack-paths\">Attack paths</a><a href=\"#elements\">STRIDE per element</a><a href=\"#threats\">Threats</a></nav>\n</header>\n");
}

fn summary(report: &Report, out: &mut String) {
    let s = &report.summary;
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
    for sev in Severity::ALL {
        let n = s.by_severity.get(sev.as_str()).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "<div class=\"card sev-{0}\"><span class=\"count\">{n}</span>{0}</div>",
            sev.as_str()
        );
    }
    out.push_str("</div>\n<div class=\"two-col\">\n<table>\n<caption class=\"sr-only\">Threats by STRIDE category</caption>\n<thead><tr><th>STRIDE category</th><th class=\"num\">Threats</th></tr></thead>\n<tbody>\n");
    let max = s.by_category.values().copied().max().unwrap_or(0).max(1);
    for cat in Stride::ALL {
        let n = s.by_category.get(cat.as_str()).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "<tr><td><span class=\"bar\" style=\"width:{:.1}rem\" aria-hidden=\"true\"></span>{}</td><td class=\"num\">{n}</td></tr>",
            6.0 * n as f64 / max as f64,
            cat.as_str()
        );
    }
    out.push_str("</tbody>\n</table>\n<table>\n<thead><tr><th>Severity</th><th class=\"num\">Threats</th><th class=\"num\">Attack paths</th></tr></thead>\n<tbody>\n");
    for sev in Severity::ALL {
        let n = s.by_severity.get(sev.as_str()).copied().unwrap_or(0);
        let paths = report
            .attack_paths
            .iter()
            .filter(|p| p.severity == sev)
            .count();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{n}</td><td class=\"num\">{paths}</td></tr>",
            severity_badge(sev)
        );
    }
    let _ = writeln!(
        out,
        "<tr><th>total</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr>\n</tbody>\n</table>\n</div>\n</section>",
        s.total,
        report.attack_paths.len()
    );
}

fn architecture(drawn: &diagram::Drawn, out: &mut String) {
    out.push_str("<section id=\"architecture\">\n<h2>Architecture</h2>\n<ul class=\"legend\">\n<li>▭ service · ⌸ data store (cylinder) · ▱ message broker · ⬡ entry point · dashed outline: external system · dashed box: trust boundary</li>\n<li><span class=\"swatch\"></span>flow</li>\n<li><span class=\"swatch weak\"></span>⚠ not encrypted or not authenticated</li>\n<li><span class=\"swatch async\"></span>asynchronous message</li>\n<li>“N threats · worst …” on a node: the threats found in it</li>\n</ul>\n");
    let fits = if drawn.width <= FIT_WIDTH {
        " fits"
    } else {
        ""
    };
    out.push_str("<p class=\"diagram-tools no-print\"><button type=\"button\" id=\"diagram-zoom\" aria-controls=\"diagram\">Switch between fit to page and actual size</button></p>\n");
    let _ = write!(
        out,
        "<div class=\"diagram{fits}\" id=\"diagram\" data-nodes=\"{}\">\n{}</div>\n</section>\n",
        drawn.nodes, drawn.svg
    );
}

fn attack_paths(report: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "<section id=\"attack-paths\">\n<h2>Attack paths ({})</h2>",
        report.attack_paths.len()
    );
    if report.attack_paths.is_empty() {
        out.push_str("<p>No chain of threats leads from an entry point to anything that matters.</p>\n</section>\n");
        return;
    }
    out.push_str("<p class=\"lede\">Each step names the threats that enable it: fixing any one of them breaks the step, and the path with it.</p>\n");
    let nodes = node_names(report);
    for (i, p) in report.attack_paths.iter().enumerate() {
        let open = if i < 5 { " open" } else { "" };
        let _ = write!(
            out,
            "<details class=\"path\" id=\"{}\"{open}>\n<summary>{} <b>{}</b> {}</summary>\n<ol class=\"steps\">\n",
            escape(&p.id),
            severity_badge(p.severity),
            escape(&p.id),
            escape(&p.title)
        );
        for s in &p.steps {
            let links: Vec<String> = s.threat_ids.iter().map(|t| threat_link(t)).collect();
            let _ = writeln!(
                out,
                "<li><code>{}</code> <span class=\"arrow\" aria-label=\"to\">→</span> <code>{}</code>: {} <span class=\"enabled\">(enabled by {})</span></li>",
                escape(&s.from),
                escape(&s.to),
                escape(&s.description),
                links.join(", ")
            );
        }
        out.push_str("</ol>\n");
        let on_diagram = path_nodes(p, &nodes);
        if !on_diagram.is_empty() {
            let json = serde_json::to_string(&on_diagram).expect("strings serialise");
            out.push_str(
                "<p class=\"no-print\"><button type=\"button\" class=\"show-path\" data-nodes=\"",
            );
            push_escaped(out, &json);
            out.push_str("\">Show on the diagram</button></p>\n");
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// The architecture nodes an attack path passes through. Its footholds name them after a colon
/// (`container:payment`, `datastore:postgres`); `internet`, `node` or `cluster-admin` are not
/// nodes of the diagram.
fn path_nodes<'a>(
    p: &'a stridemap_model::report::AttackPath,
    nodes: &FxHashMap<&str, &str>,
) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for step in &p.steps {
        for foothold in [&step.from, &step.to] {
            if let Some((_, id)) = foothold.split_once(':') {
                if nodes.contains_key(id) && !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

fn verdict_cell(e: &ElementModel, category: Stride) -> String {
    let Some(c) = e.categories.iter().find(|c| c.category == category) else {
        return "<td class=\"verdict v-na\" title=\"does not apply to this type of element\">–</td>"
            .into();
    };
    let name = category.as_str();
    match c.status {
        Verdict::Threatened => format!(
            "<td class=\"verdict v-threatened\" title=\"{name}: threatened by {}\">⚠ {}</td>",
            escape(&c.threats.join(", ")),
            c.threats.len()
        ),
        Verdict::Mitigated => format!(
            "<td class=\"verdict v-mitigated\" title=\"{name}: mitigated ({})\">✓ ok</td>",
            escape(&c.evidence.join("; "))
        ),
        Verdict::Unknown => {
            format!("<td class=\"verdict v-unknown\" title=\"{name}: nothing to judge by\">?</td>")
        }
    }
}

fn elements(report: &Report, out: &mut String) {
    out.push_str("<section id=\"elements\">\n<h2>STRIDE per element</h2>\n<p class=\"lede\">⚠ N: threatened by N threats · ✓ ok: mitigated (hover for what protects it) · ?: nothing to judge by · –: the category does not apply to the element's type.</p>\n<table class=\"elements\">\n<thead><tr><th>Element</th><th>Type</th>");
    for cat in Stride::ALL {
        let _ = write!(
            out,
            "<th class=\"verdict\"><abbr title=\"{}\">{}</abbr></th>",
            cat.as_str(),
            stride_letter(cat)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for e in &report.elements {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            escape(&e.name),
            escape(&e.element_type.replace('_', " "))
        );
        for cat in Stride::ALL {
            out.push_str(&verdict_cell(e, cat));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Architecture node ids and names, for the service filter.
fn node_names(report: &Report) -> FxHashMap<&str, &str> {
    let a = &report.architecture;
    a.services
        .iter()
        .chain(&a.data_stores)
        .chain(&a.message_brokers)
        .chain(&a.entry_points)
        .map(|n| (n.id.as_str(), n.name.as_str()))
        .collect()
}

fn select(id: &str, label: &str, options: &[(String, String)]) -> String {
    let mut out = format!(
        "<label for=\"filter-{id}\">{label}<select id=\"filter-{id}\"><option value=\"\">all</option>"
    );
    for (value, text) in options {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(value),
            escape(text)
        );
    }
    out.push_str("</select></label>\n");
    out
}

/// Writes one threat's row. Its scenario and mitigation are the rule's, the same for every threat
/// of the rule: they are escaped once per rule (`per_rule`), which matters with thousands of rows.
fn threat_row<'a>(
    t: &'a Threat,
    nodes: &FxHashMap<&str, &str>,
    per_rule: &mut HashMap<&'a str, String>,
    out: &mut String,
) {
    let services: Vec<&str> = t
        .elements
        .iter()
        .map(String::as_str)
        .filter(|e| nodes.contains_key(e))
        .collect();
    let services_json = serde_json::to_string(&services).expect("strings serialise");
    out.push_str("<tr class=\"threat\" id=\"");
    push_escaped(out, &t.id);
    out.push_str("\" data-severity=\"");
    out.push_str(t.severity.as_str());
    out.push_str("\" data-category=\"");
    out.push_str(t.category.as_str());
    out.push_str("\" data-rule=\"");
    push_escaped(out, &t.rule);
    out.push_str("\" data-services=\"");
    push_escaped(out, &services_json);
    out.push_str("\">\n<td>");
    out.push_str(severity_badge(t.severity));
    out.push_str("</td><td class=\"mono id\">");
    push_escaped(out, &t.id);
    out.push_str("</td>\n<td><details><summary>");
    push_escaped(out, &t.title);
    out.push_str("</summary>\n<div class=\"threat-body\">\n<p>");
    push_escaped(out, &t.description);
    out.push_str("</p>\n<dl>\n<dt>Affected</dt><dd>");
    let affected = t.affected_resources.iter().chain(
        t.affected_components
            .iter()
            .skip(t.affected_resources.len()),
    );
    for (i, a) in affected.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_escaped(out, a);
    }
    out.push_str("</dd>\n");
    if let Some(reason) = &t.severity_reason {
        let _ = write!(
            out,
            "<dt>Severity</dt><dd>{} (the rule's default is {}): ",
            t.severity, t.base_severity
        );
        push_escaped(out, reason);
        out.push_str("</dd>\n");
    }
    out.push_str("<dt>Weakness</dt><dd>");
    push_escaped(out, &t.vulnerability_types.join(", "));
    out.push_str(" · ");
    push_escaped(out, &t.group_name);
    out.push_str("</dd>\n");
    let rule_text = per_rule.entry(t.rule).or_insert_with(|| {
        let mut text = String::from("<dt>Attack scenario</dt><dd>");
        push_escaped(&mut text, &t.attack_scenario);
        text.push_str("</dd>\n<dt>Mitigation</dt><dd>");
        push_escaped(&mut text, &t.mitigation);
        text.push_str("</dd>\n");
        text
    });
    out.push_str(rule_text);
    out.push_str("<dt>Evidence</dt><dd><ul class=\"evidence\">\n");
    for e in &t.evidence {
        out.push_str("<li><code>");
        push_escaped(out, &e.file);
        let _ = write!(out, ":{}</code> <code>", e.line);
        push_escaped(out, e.snippet.trim());
        out.push_str("</code></li>\n");
    }
    out.push_str("</ul></dd>\n</dl>\n</div>\n</details></td>\n<td class=\"mono\">");
    push_escaped(out, &t.rule);
    out.push_str("</td><td>");
    out.push_str(t.category.as_str());
    out.push_str("</td><td class=\"mono\">");
    if let Some(e) = t.evidence.first() {
        push_escaped(out, &e.file);
        let _ = write!(out, ":{}", e.line);
    }
    out.push_str("</td>\n</tr>\n");
}

fn threats(report: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "<section id=\"threats\">\n<h2>Threats ({})</h2>",
        report.threats.len()
    );
    let nodes = node_names(report);
    let severities: Vec<(String, String)> = Severity::ALL
        .iter()
        .filter(|s| report.threats.iter().any(|t| t.severity == **s))
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    let categories: Vec<(String, String)> = Stride::ALL
        .iter()
        .filter(|c| report.threats.iter().any(|t| t.category == **c))
        .map(|c| (c.as_str().to_string(), c.as_str().to_string()))
        .collect();
    // Hashed while collecting (thousands of threats), sorted once for the options.
    let used_nodes: FxHashSet<&str> = report
        .threats
        .iter()
        .flat_map(|t| t.elements.iter().map(String::as_str))
        .filter(|e| nodes.contains_key(e))
        .collect();
    let mut used_nodes: Vec<&str> = used_nodes.into_iter().collect();
    used_nodes.sort_unstable();
    let services: Vec<(String, String)> = used_nodes
        .iter()
        .map(|id| {
            let name = nodes[id];
            let text = if name == *id {
                name.to_string()
            } else {
                format!("{name} ({id})")
            };
            (id.to_string(), text)
        })
        .collect();
    let rules: Vec<(String, String)> = report
        .threats
        .iter()
        .map(|t| t.rule)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|r| (r.to_string(), r.to_string()))
        .collect();
    out.push_str("<form class=\"filters\" role=\"search\" aria-label=\"Filter threats\" onsubmit=\"return false\">\n");
    out.push_str(&select("severity", "Severity", &severities));
    out.push_str(&select("category", "STRIDE category", &categories));
    out.push_str(&select("service", "Service or element", &services));
    out.push_str(&select("rule", "Rule", &rules));
    out.push_str("<label for=\"filter-text\">Text<input id=\"filter-text\" type=\"search\" placeholder=\"file, title…\"></label>\n<button type=\"button\" id=\"filter-reset\">Show all</button>\n</form>\n");
    let _ = writeln!(
        out,
        "<p id=\"threat-count\" aria-live=\"polite\">Showing {0} of {0} threats</p>",
        report.threats.len()
    );
    out.push_str("<table class=\"threats\">\n<thead><tr><th>Severity</th><th>Id</th><th>Threat (open for evidence, scenario and mitigation)</th><th>Rule</th><th>STRIDE</th><th>Where</th></tr></thead>\n<tbody>\n");
    let mut per_rule = HashMap::new();
    for t in &report.threats {
        threat_row(t, &nodes, &mut per_rule, out);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn diagnostics(report: &Report, out: &mut String) {
    if report.diagnostics.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"diagnostics\">\n<h2>Diagnostics ({})</h2>\n<p class=\"lede\">Files that were skipped or not fully read.</p>\n<ul>",
        report.diagnostics.len()
    );
    for d in &report.diagnostics {
        let _ = writeln!(out, "<li><code>{}</code></li>", escape(&d.to_string()));
    }
    out.push_str("</ul>\n</section>\n");
}

/// The HTML report: one self-contained page (styles, script and the diagram inline; nothing
/// fetched), the same bytes for the same report.
pub fn render(report: &Report) -> String {
    let drawn = diagram::draw(report);
    let mut out = String::with_capacity(256 * 1024 + report.threats.len() * 2048);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"{} {}\">\n<title>Threat model: {} · stridemap</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.target)
    );
    header(report, &mut out);
    summary(report, &mut out);
    architecture(&drawn, &mut out);
    attack_paths(report, &mut out);
    elements(report, &mut out);
    crate::checklist::html(&report.checklist, &mut out);
    threats(report, &mut out);
    diagnostics(report, &mut out);
    let _ = write!(
        out,
        "<footer>Generated by {} {} from <code>{}</code>. Diagram laid out by {}. This page is self-contained: it loads nothing from the network.</footer>\n</main>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.target),
        drawn.engine
    );
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes_and_keeps_the_rest() {
        assert_eq!(
            escape(r#"<a href="x">'é' & ü</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;é&#39; &amp; ü&lt;/a&gt;"
        );
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape(""), "");
    }
}

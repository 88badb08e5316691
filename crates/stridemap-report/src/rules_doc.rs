//! Rule documentation generated from the registry: `stridemap rules`, `stridemap explain` and
//! docs/rules.md are all written from each rule's own declaration.

use serde_json::json;
use stridemap_model::{Group, RuleMeta};
use stridemap_rules::Rule;

/// The rule's doc comment as markdown (the one space after `///` removed).
pub fn doc_markdown(meta: &RuleMeta) -> String {
    let mut out: String = meta
        .doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

pub fn rules_json(rules: &[&dyn Rule]) -> String {
    let list: Vec<_> = rules
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.id,
                "title": m.title,
                "group": m.group.number(),
                "group_name": m.group.title(),
                "stride": m.stride,
                "severity": m.severity,
                "cwe": m.cwe_ids(),
                "infrastructure_types": m.infra,
                "equivalents": m.equivalents,
                "checklist": m.checklist,
                "summary": m.summary(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "rules": list })).expect("rules serialise");
    s.push('\n');
    s
}

pub fn rules_text(rules: &[&dyn Rule]) -> String {
    let width = rules.iter().map(|r| r.meta().id.len()).max().unwrap_or(10);
    let mut out = String::new();
    for group in Group::ALL {
        let in_group: Vec<_> = rules.iter().filter(|r| r.meta().group == group).collect();
        if in_group.is_empty() {
            continue;
        }
        out.push_str(&format!("{}. {}\n", group.number(), group.title()));
        for r in in_group {
            let m = r.meta();
            out.push_str(&format!(
                "  {:width$}  {:8}  {:22}  {}\n",
                m.id,
                m.severity.as_str(),
                m.stride.as_str(),
                m.title
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} rules. `stridemap explain <ID>` shows one rule's documentation.\n",
        rules.len()
    ));
    out
}

fn metadata_lines(m: &RuleMeta) -> Vec<(&'static str, String)> {
    let or_none = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    vec![
        (
            "Group",
            format!("{}. {}", m.group.number(), m.group.title()),
        ),
        ("STRIDE", m.stride.as_str().to_string()),
        ("Default severity", m.severity.as_str().to_string()),
        ("CWE", m.cwe_ids().join(", ")),
        (
            "Looks at",
            m.infra
                .iter()
                .map(|i| i.as_str().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Same check elsewhere",
            or_none(m.equivalents.iter().map(|e| format!("`{e}`")).collect()),
        ),
    ]
    .into_iter()
    .chain((!m.checklist.is_empty()).then(|| {
        (
            "Checklist items",
            m.checklist
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }))
    .collect()
}

/// `stridemap explain ID`.
pub fn explain(rule: &dyn Rule) -> String {
    let m = rule.meta();
    let mut out = format!("{}: {}\n\n", m.id, m.title);
    for (k, v) in metadata_lines(m) {
        out.push_str(&format!("{k}: {}\n", v.replace('`', "")));
    }
    out.push('\n');
    out.push_str(&help_markdown(m));
    out
}

/// A rule's whole help as markdown: its doc comment, then the attack scenario and mitigation
/// (what `stridemap explain` prints below the metadata, and SARIF's `help`).
pub fn help_markdown(m: &RuleMeta) -> String {
    format!(
        "{}\n## Attack scenario\n{}\n\n## Mitigation\n{}\n",
        doc_markdown(m),
        m.attack_scenario,
        m.mitigation
    )
}

/// docs/rules.md.
pub fn rules_markdown(rules: &[&dyn Rule]) -> String {
    let mut out = String::from(
        "# stridemap rules\n\n<!-- Generated from the rule declarations by `stridemap rules --format markdown`; do not edit by hand. -->\n\n",
    );
    out.push_str("| Rule | Title | Group | STRIDE | Severity | CWE |\n|---|---|---|---|---|---|\n");
    for r in rules {
        let m = r.meta();
        out.push_str(&format!(
            "| [{id}](#{anchor}) | {} | {} | {} | {} | {} |\n",
            m.title,
            m.group.number(),
            m.stride.as_str(),
            m.severity.as_str(),
            m.cwe_ids().join(", "),
            id = m.id,
            anchor = m.id.to_ascii_lowercase()
        ));
    }
    for group in Group::ALL {
        let in_group: Vec<_> = rules.iter().filter(|r| r.meta().group == group).collect();
        if in_group.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {}. {}\n", group.number(), group.title()));
        for r in in_group {
            let m = r.meta();
            out.push_str(&format!("\n### {}\n\n**{}**\n\n", m.id, m.title));
            for (k, v) in metadata_lines(m) {
                out.push_str(&format!("- {k}: {v}\n"));
            }
            out.push('\n');
            // Demote the doc's own headings below the rule heading.
            for line in doc_markdown(m).lines() {
                if line.starts_with("## ") {
                    out.push_str(&format!("#{line}\n"));
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push_str(&format!(
                "\n#### Attack scenario\n{}\n\n#### Mitigation\n{}\n",
                m.attack_scenario, m.mitigation
            ));
        }
    }
    out
}

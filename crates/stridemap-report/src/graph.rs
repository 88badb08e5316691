//! The data-flow diagram: Mermaid and Graphviz DOT renderings of the architecture. Trust
//! boundaries (namespaces, the Compose network, the outside world) are clusters; flows that are
//! not encrypted or not authenticated are drawn in red.

use std::collections::BTreeMap;
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Flow, Role};

/// Which cluster a node is drawn in.
fn cluster_of(n: &ArchNode) -> (String, String) {
    if n.role == Role::EntryPoint {
        return ("entry".into(), "Entry points".into());
    }
    if n.external {
        return ("external".into(), "External systems".into());
    }
    match &n.namespace {
        Some(ns) => (format!("ns_{ns}"), format!("namespace {ns}")),
        None if n.kinds.iter().any(|k| k == "compose") => {
            ("compose".into(), "Compose network".into())
        }
        None => ("default".into(), "cluster (no namespace set)".into()),
    }
}

fn flow_is_weak(f: &Flow, from: &ArchNode) -> bool {
    from.role != Role::EntryPoint && (!f.encrypted || !f.authenticated)
}

fn flow_label(f: &Flow, weak: bool) -> String {
    let mut label = f.protocol.clone();
    if let Some(p) = f.port {
        label.push_str(&format!(" :{p}"));
    }
    if let Some(t) = &f.topic {
        label.push_str(&format!(" {t}"));
    }
    if weak {
        let what = match (f.encrypted, f.authenticated) {
            (false, false) => "plaintext, unauthenticated",
            (false, true) => "plaintext",
            _ => "unauthenticated",
        };
        label.push_str(&format!(" ⚠ {what}"));
    }
    label
}

/// Stable, syntax-safe identifiers for node ids.
fn safe_ids(graph: &ArchitectureGraph) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    let mut nodes: Vec<&ArchNode> = graph.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    for n in nodes {
        let base: String = format!(
            "n_{}",
            n.id.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        );
        let mut id = base.clone();
        let mut k = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}_{k}");
            k += 1;
        }
        out.insert(n.id.clone(), id);
    }
    out
}

fn sorted_flows(graph: &ArchitectureGraph) -> Vec<&Flow> {
    let mut flows: Vec<&Flow> = graph.flows().collect();
    flows.sort_by(|a, b| a.id.cmp(&b.id));
    flows
}

fn clusters(graph: &ArchitectureGraph) -> BTreeMap<(String, String), Vec<&ArchNode>> {
    let mut out: BTreeMap<(String, String), Vec<&ArchNode>> = BTreeMap::new();
    for n in graph.nodes() {
        out.entry(cluster_of(n)).or_default().push(n);
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.id.cmp(&b.id));
    }
    out
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn mermaid_node(n: &ArchNode, id: &str) -> String {
    let mut label = mermaid_escape(&n.name);
    if let Some(t) = &n.technology {
        label.push_str(&format!("<br/><i>{}</i>", mermaid_escape(t)));
    }
    if n.mesh {
        label.push_str("<br/>🔒 mesh");
    }
    match n.role {
        Role::EntryPoint => format!("{id}{{{{\"{label}\"}}}}"),
        Role::DataStore => format!("{id}[(\"{label}\")]"),
        Role::Broker => format!("{id}>\"{label}\"]"),
        Role::Service => format!("{id}[\"{label}\"]"),
    }
}

pub fn mermaid(graph: &ArchitectureGraph) -> String {
    let ids = safe_ids(graph);
    let mut out = String::from("flowchart LR\n");
    let has_entries = graph.nodes().any(|n| n.role == Role::EntryPoint);
    if has_entries {
        out.push_str("  internet((\"Internet\"))\n");
    }
    for ((key, title), nodes) in clusters(graph) {
        out.push_str(&format!(
            "  subgraph c_{key}[\"{}\"]\n",
            mermaid_escape(&title)
        ));
        for n in nodes {
            out.push_str(&format!("    {}\n", mermaid_node(n, &ids[&n.id])));
        }
        out.push_str("  end\n");
    }
    let mut link = 0usize;
    let mut red = Vec::new();
    let mut entries: Vec<&ArchNode> = graph
        .nodes()
        .filter(|n| n.role == Role::EntryPoint)
        .collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    for e in entries {
        out.push_str(&format!("  internet --> {}\n", ids[&e.id]));
        link += 1;
    }
    for f in sorted_flows(graph) {
        let from = graph.node(&f.from).expect("flow source");
        let weak = flow_is_weak(f, from);
        let arrow = if f.is_async { "-.->" } else { "-->" };
        out.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            ids[&f.from],
            mermaid_escape(&flow_label(f, weak)),
            ids[&f.to]
        ));
        if weak {
            red.push(link);
        }
        link += 1;
    }
    if !red.is_empty() {
        let list: Vec<String> = red.iter().map(|l| l.to_string()).collect();
        out.push_str(&format!(
            "  linkStyle {} stroke:#d62728,stroke-width:2px\n",
            list.join(",")
        ));
    }
    out.push_str("  classDef external stroke-dasharray: 5 5\n");
    let externals: Vec<&str> = {
        let mut v: Vec<&str> = graph
            .nodes()
            .filter(|n| n.external)
            .map(|n| ids[&n.id].as_str())
            .collect();
        v.sort();
        v
    };
    if !externals.is_empty() {
        out.push_str(&format!("  class {} external\n", externals.join(",")));
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn dot(graph: &ArchitectureGraph) -> String {
    let mut out = String::from("digraph stridemap {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let has_entries = graph.nodes().any(|n| n.role == Role::EntryPoint);
    if has_entries {
        out.push_str("  \"internet\" [label=\"Internet\", shape=doublecircle];\n");
    }
    for ((key, title), nodes) in clusters(graph) {
        out.push_str(&format!(
            "  subgraph \"cluster_{key}\" {{\n    label=\"{}\";\n    style=dashed;\n",
            dot_escape(&title)
        ));
        for n in nodes {
            let shape = match n.role {
                Role::EntryPoint => "hexagon",
                Role::DataStore => "cylinder",
                Role::Broker => "cds",
                Role::Service => "box",
            };
            let mut label = n.name.clone();
            if let Some(t) = &n.technology {
                label.push_str(&format!("\\n({t})"));
            }
            let style = if n.external { ", style=dashed" } else { "" };
            out.push_str(&format!(
                "    \"{}\" [label=\"{}\", shape={shape}{style}];\n",
                dot_escape(&n.id),
                dot_escape(&label).replace("\\\\n", "\\n")
            ));
        }
        out.push_str("  }\n");
    }
    let mut entries: Vec<&ArchNode> = graph
        .nodes()
        .filter(|n| n.role == Role::EntryPoint)
        .collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    for e in entries {
        out.push_str(&format!("  \"internet\" -> \"{}\";\n", dot_escape(&e.id)));
    }
    for f in sorted_flows(graph) {
        let from = graph.node(&f.from).expect("flow source");
        let weak = flow_is_weak(f, from);
        let mut attrs = vec![format!("label=\"{}\"", dot_escape(&flow_label(f, weak)))];
        if weak {
            attrs.push("color=\"#d62728\"".into());
            attrs.push("fontcolor=\"#d62728\"".into());
        }
        if f.is_async {
            attrs.push("style=dashed".into());
        }
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [{}];\n",
            dot_escape(&f.from),
            dot_escape(&f.to),
            attrs.join(", ")
        ));
    }
    out.push_str("}\n");
    out
}

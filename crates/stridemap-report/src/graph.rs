//! The data-flow diagram: Mermaid and Graphviz DOT renderings of the architecture. Trust
//! boundaries (namespaces, the Compose network, the outside world) are clusters; flows that are
//! not encrypted or not authenticated are drawn in red.

use std::collections::BTreeMap;
use stridemap_model::architecture::{ArchNode, Architecture, ArchitectureGraph, Flow, Role};

/// The nodes and flows a diagram draws, in id order, whether they come from the graph of a scan
/// or from a report's `architecture` section (the renderers of a finished report have only that).
pub(crate) struct Diagram<'a> {
    pub(crate) nodes: Vec<&'a ArchNode>,
    pub(crate) flows: Vec<&'a Flow>,
    by_id: rustc_hash::FxHashMap<&'a str, &'a ArchNode>,
}

impl<'a> Diagram<'a> {
    fn new(mut nodes: Vec<&'a ArchNode>, mut flows: Vec<&'a Flow>) -> Self {
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        flows.sort_by(|a, b| a.id.cmp(&b.id));
        let by_id = nodes.iter().map(|n| (n.id.as_str(), *n)).collect();
        Diagram {
            nodes,
            flows,
            by_id,
        }
    }

    pub(crate) fn of_graph(graph: &'a ArchitectureGraph) -> Self {
        Diagram::new(graph.nodes().collect(), graph.flows().collect())
    }

    pub(crate) fn of_architecture(a: &'a Architecture) -> Self {
        let nodes = a
            .services
            .iter()
            .chain(&a.data_stores)
            .chain(&a.message_brokers)
            .chain(&a.entry_points)
            .collect();
        Diagram::new(nodes, a.flows.iter().collect())
    }

    pub(crate) fn node(&self, id: &str) -> Option<&'a ArchNode> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &'a ArchNode> + '_ {
        self.nodes
            .iter()
            .copied()
            .filter(|n| n.role == Role::EntryPoint)
    }

    /// Whether a flow is drawn as insecure: neither encrypted nor authenticated, and not the
    /// internet's own arrow into an entry point.
    pub(crate) fn flow_is_weak(&self, f: &Flow) -> bool {
        self.node(&f.from).is_some_and(|from| flow_is_weak(f, from))
    }

    /// Nodes grouped by the cluster they are drawn in, clusters in key order.
    pub(crate) fn clusters(&self) -> BTreeMap<(String, String), Vec<&'a ArchNode>> {
        let mut out: BTreeMap<(String, String), Vec<&ArchNode>> = BTreeMap::new();
        for n in &self.nodes {
            out.entry(cluster_of(n)).or_default().push(n);
        }
        out
    }
}

/// Which cluster a node is drawn in.
pub(crate) fn cluster_of(n: &ArchNode) -> (String, String) {
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

pub(crate) fn flow_label(f: &Flow, weak: bool) -> String {
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
pub(crate) fn safe_ids(diagram: &Diagram) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    for n in &diagram.nodes {
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

/// The Mermaid flowchart of a scan's architecture graph.
pub fn mermaid(graph: &ArchitectureGraph) -> String {
    mermaid_of(&Diagram::of_graph(graph))
}

/// The Mermaid flowchart of a report's `architecture` section (the same text as [`mermaid`]
/// gives for the graph it came from).
pub fn mermaid_of_architecture(architecture: &Architecture) -> String {
    mermaid_of(&Diagram::of_architecture(architecture))
}

fn mermaid_of(d: &Diagram) -> String {
    let ids = safe_ids(d);
    let mut out = String::from("flowchart LR\n");
    if d.entries().next().is_some() {
        out.push_str("  internet((\"Internet\"))\n");
    }
    for ((key, title), nodes) in d.clusters() {
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
    for e in d.entries() {
        out.push_str(&format!("  internet --> {}\n", ids[&e.id]));
        link += 1;
    }
    for f in &d.flows {
        let weak = d.flow_is_weak(f);
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
        let mut v: Vec<&str> = d
            .nodes
            .iter()
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

/// The Graphviz DOT digraph of a scan's architecture graph.
pub fn dot(graph: &ArchitectureGraph) -> String {
    dot_of(&Diagram::of_graph(graph))
}

/// The Graphviz DOT digraph of a report's `architecture` section.
pub fn dot_of_architecture(architecture: &Architecture) -> String {
    dot_of(&Diagram::of_architecture(architecture))
}

fn dot_of(d: &Diagram) -> String {
    let mut out = String::from("digraph stridemap {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    if d.entries().next().is_some() {
        out.push_str("  \"internet\" [label=\"Internet\", shape=doublecircle];\n");
    }
    for ((key, title), nodes) in d.clusters() {
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
    for e in d.entries() {
        out.push_str(&format!("  \"internet\" -> \"{}\";\n", dot_escape(&e.id)));
    }
    for f in &d.flows {
        let weak = d.flow_is_weak(f);
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

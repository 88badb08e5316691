//! Helm charts rendered without Helm: a Go text/template engine (`template.rs`, `exec.rs`) with
//! Helm's objects and functions and the Sprig functions charts commonly use (`funcs.rs`).
//!
//! A chart is rendered as `helm template` would with its default values, the user's values
//! files and `--set` overrides: release `release-name` in namespace `default`, nothing looked up
//! in a cluster. Unpacked subcharts under `charts/` are rendered with their own values, the
//! parent's values under the subchart's name and the `global` values.
//!
//! The output joins the corpus as one generated file per chart; each of its lines maps to the
//! template file and line that produced it (see [`exec::Output`]).

pub mod exec;
pub mod funcs;
pub mod template;
pub mod value;

use crate::budget::Budget;
use crate::render::{Generated, RenderOptions};
use crate::yaml::{parse_documents, YamlLimits};
use crate::DEFAULT_MAX_FILE_SIZE as MAX_FILE_SIZE;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use stridemap_model::corpus::LineOrigins;
use stridemap_model::{Location, Node, SourceFile};
use value::V;

/// Why a chart did not render: the file (relative to the scanned root) and line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub file: String,
    pub loc: Location,
    pub message: String,
}

/// The Kubernetes version templates see in `.Capabilities`.
const KUBE_VERSION: (&str, &str) = ("1", "29");

/// API versions templates see in `.Capabilities.APIVersions` (what a current cluster serves).
const API_VERSIONS: &[&str] = &[
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "certificates.k8s.io/v1",
    "node.k8s.io/v1",
    "events.k8s.io/v1",
];

struct Chart {
    dir: PathBuf,
    /// Name templates are registered under (`parent/charts/sub` for a subchart).
    prefix: String,
    meta: V,
    values: V,
    files: BTreeMap<String, String>,
    /// Template paths relative to the chart directory (`templates/x.yaml`), with their text.
    templates: Vec<(String, String)>,
    subcharts: Vec<Chart>,
}

fn rel(root: &Path, path: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // The directory is resolved, not the file: a link is named where it is, not where it points.
    let p = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
    };
    let s = p
        .strip_prefix(&root)
        .unwrap_or(&p)
        .to_string_lossy()
        .replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// A chart file's text. Symbolic links are not followed (a link could reach any file of the
/// machine running the scan) and files over [`MAX_FILE_SIZE`] are not read.
fn read_chart_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("a symbolic link; not followed".into());
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(format!(
            "{} bytes, over the {MAX_FILE_SIZE}-byte limit; not read",
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))
}

/// A chart's YAML file (`Chart.yaml`, `values.yaml`) as a value.
fn yaml_value(path: &Path, root: &Path) -> Result<V, RenderError> {
    yaml_file_value(path, root, read_chart_file)
}

/// A values file the user named (`--helm-values`): read wherever it is.
fn user_yaml_value(path: &Path, root: &Path) -> Result<V, RenderError> {
    yaml_file_value(path, root, |p| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read: {e}"))
    })
}

fn yaml_file_value(
    path: &Path,
    root: &Path,
    read: impl Fn(&Path) -> Result<String, String>,
) -> Result<V, RenderError> {
    let text = read(path).map_err(|message| RenderError {
        file: rel(root, path),
        loc: Location::new(1, 1),
        message,
    })?;
    let (docs, error) = parse_documents(&text, YamlLimits::default());
    if let Some(e) = error {
        return Err(RenderError {
            file: rel(root, path),
            loc: e.loc,
            message: e.message,
        });
    }
    Ok(docs
        .first()
        .map(|(_, n)| V::from_node(n))
        .unwrap_or(V::Map(BTreeMap::new())))
}

fn walk_files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_symlink() {
            continue;
        }
        if ft.is_dir() {
            if e.file_name() != ".git" {
                walk_files(&path, base, out);
            }
        } else if ft.is_file() {
            let r = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((r, path));
        }
    }
}

/// Chart.yaml keys as `.Chart` spells them.
fn chart_object(meta: &V) -> V {
    let V::Map(m) = meta else {
        return V::Map(BTreeMap::new());
    };
    V::Map(
        m.iter()
            .map(|(k, v)| {
                let key = match k.as_str() {
                    "apiVersion" => "APIVersion".to_string(),
                    "appVersion" => "AppVersion".to_string(),
                    "kubeVersion" => "KubeVersion".to_string(),
                    other => {
                        let mut c = other.chars();
                        c.next()
                            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                            .unwrap_or_default()
                    }
                };
                (key, v.clone())
            })
            .collect(),
    )
}

fn load(
    root: &Path,
    dir: &Path,
    prefix: String,
    diagnostics: &mut Vec<RenderError>,
) -> Result<Chart, RenderError> {
    let meta = yaml_value(&dir.join("Chart.yaml"), root)?;
    let values_path = ["values.yaml", "values.yml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file());
    let values = match values_path {
        Some(p) => yaml_value(&p, root)?,
        None => V::Map(BTreeMap::new()),
    };
    let mut all = Vec::new();
    walk_files(dir, dir, &mut all);
    let mut files = BTreeMap::new();
    let mut templates = Vec::new();
    for (r, path) in all {
        if r.starts_with("charts/") {
            continue;
        }
        let text = match read_chart_file(&path) {
            Ok(text) => text,
            // Other chart files are data for `.Files`; a template that cannot be read is reported.
            Err(message) if r.starts_with("templates/") => {
                diagnostics.push(RenderError {
                    file: rel(root, &path),
                    loc: Location::new(1, 1),
                    message: format!("template not read: {message}"),
                });
                continue;
            }
            Err(_) => continue,
        };
        if r.starts_with("templates/") {
            templates.push((r, text));
        } else {
            files.insert(r, text);
        }
    }
    let mut subcharts = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("charts")) {
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_symlink()) {
                diagnostics.push(RenderError {
                    file: rel(root, &path),
                    loc: Location::new(1, 1),
                    message: "subchart is a symbolic link; not followed".into(),
                });
                continue;
            }
            if path.join("Chart.yaml").is_file() {
                let name = e.file_name().to_string_lossy().into_owned();
                subcharts.push(load(
                    root,
                    &path,
                    format!("{prefix}/charts/{name}"),
                    diagnostics,
                )?);
            } else if path.extension().is_some_and(|x| x == "tgz") {
                diagnostics.push(RenderError {
                    file: rel(root, &path),
                    loc: Location::new(1, 1),
                    message:
                        "packed subchart (.tgz) not rendered; unpack it to scan what it deploys"
                            .into(),
                });
            }
        }
    }
    Ok(Chart {
        dir: dir.to_path_buf(),
        prefix,
        meta,
        values,
        files,
        templates,
        subcharts,
    })
}

/// Parses `a.b[0].c=value,d=e` into value overrides (`--set`).
pub fn parse_set(values: &mut V, spec: &str) -> Result<(), String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.extend(chars.next()),
            ',' => parts.push(std::mem::take(&mut cur)),
            other => cur.push(other),
        }
    }
    parts.push(cur);
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let (path, raw) = part
            .split_once('=')
            .ok_or_else(|| format!("--set {part:?}: expected key=value"))?;
        // As Helm's `--set`: booleans, null and integers are typed; everything else is a string.
        let value = match value::typed(raw) {
            V::Float(_) => V::str(raw),
            other => other,
        };
        let mut keys: Vec<(String, Option<usize>)> = Vec::new();
        for segment in path.split('.') {
            match segment.split_once('[') {
                Some((k, idx)) => {
                    let i = idx
                        .trim_end_matches(']')
                        .parse::<usize>()
                        .map_err(|_| format!("--set {part:?}: bad index"))?;
                    keys.push((k.to_string(), Some(i)));
                }
                None => keys.push((segment.to_string(), None)),
            }
        }
        set_path(values, &keys, value);
    }
    Ok(())
}

fn set_path(target: &mut V, keys: &[(String, Option<usize>)], value: V) {
    let Some(((key, index), rest)) = keys.split_first() else {
        *target = value;
        return;
    };
    if !matches!(target, V::Map(_)) {
        *target = V::Map(BTreeMap::new());
    }
    let V::Map(m) = target else { return };
    let slot = m.entry(key.clone()).or_insert(V::Nil);
    match index {
        Some(i) => {
            if !matches!(slot, V::List(_)) {
                *slot = V::List(Vec::new());
            }
            if let V::List(l) = slot {
                while l.len() <= *i {
                    l.push(V::Nil);
                }
                set_path(&mut l[*i], rest, value);
            }
        }
        None => set_path(slot, rest, value),
    }
}

/// Whether a dependency's `condition` (`a.enabled,b.enabled`: the first that is set decides)
/// leaves it enabled.
fn enabled(values: &V, condition: &str) -> bool {
    for path in condition.split(',') {
        let mut cur = values;
        let mut found = true;
        for k in path.trim().split('.') {
            match cur {
                V::Map(m) if m.contains_key(k) => cur = &m[k],
                _ => {
                    found = false;
                    break;
                }
            }
        }
        if found {
            if let V::Bool(b) = cur {
                return *b;
            }
        }
    }
    true
}

struct Job {
    /// Engine name of the template (`chart/templates/x.yaml`).
    name: String,
    dot: V,
}

/// Registers a chart's templates and schedules the renderable ones, recursing into subcharts.
fn prepare(
    chart: &Chart,
    values: V,
    root: &Path,
    engine: &mut exec::Engine,
    paths: &mut Vec<String>,
    jobs: &mut Vec<Job>,
    failures: &mut Vec<RenderError>,
) -> Result<(), RenderError> {
    // Every chart sees `.Values.global`, empty when nothing sets it (as in Helm).
    let mut values = match values {
        V::Map(m) => V::Map(m),
        _ => V::Map(BTreeMap::new()),
    };
    if let V::Map(m) = &mut values {
        m.entry("global".into())
            .or_insert_with(|| V::Map(BTreeMap::new()));
    }
    let files = Rc::new(chart.files.clone());
    let chart_obj = chart_object(&chart.meta);
    let caps = {
        let mut kube = BTreeMap::new();
        let version = format!("v{}.{}.0", KUBE_VERSION.0, KUBE_VERSION.1);
        kube.insert("Version".into(), V::str(&version));
        kube.insert("GitVersion".into(), V::str(&version));
        kube.insert("Major".into(), V::str(KUBE_VERSION.0));
        kube.insert("Minor".into(), V::str(KUBE_VERSION.1));
        let mut caps = BTreeMap::new();
        caps.insert("KubeVersion".into(), V::Map(kube));
        caps.insert(
            "APIVersions".into(),
            V::ApiVersions(Rc::new(
                API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            )),
        );
        caps.insert(
            "HelmVersion".into(),
            V::Map(BTreeMap::from([("Version".into(), V::str("v3.14.0"))])),
        );
        V::Map(caps)
    };
    let release = V::Map(BTreeMap::from([
        ("Name".into(), V::str("release-name")),
        ("Namespace".into(), V::str("default")),
        ("Service".into(), V::str("Helm")),
        ("IsInstall".into(), V::Bool(true)),
        ("IsUpgrade".into(), V::Bool(false)),
        ("Revision".into(), V::Int(1)),
    ]));
    for (r, text) in &chart.templates {
        let name = format!("{}/{r}", chart.prefix);
        paths.push(rel(root, &chart.dir.join(r)));
        if let Err(e) = engine.add(&name, text) {
            failures.push(RenderError {
                file: rel(root, &chart.dir.join(r)),
                loc: Location::new(e.pos.line.max(1), 1),
                message: format!("{name} not parsed: {}", e.message),
            });
            continue;
        }
        let file_name = r.rsplit('/').next().unwrap_or(r);
        let renderable = !file_name.starts_with('_')
            && file_name != "NOTES.txt"
            && (r.ends_with(".yaml") || r.ends_with(".yml") || r.ends_with(".json"));
        if renderable {
            let dot = V::Map(BTreeMap::from([
                ("Values".into(), values.clone()),
                ("Release".into(), release.clone()),
                ("Chart".into(), chart_obj.clone()),
                ("Capabilities".into(), caps.clone()),
                ("Files".into(), V::Files(files.clone())),
                (
                    "Template".into(),
                    V::Map(BTreeMap::from([
                        ("Name".into(), V::str(&name)),
                        (
                            "BasePath".into(),
                            V::str(format!("{}/templates", chart.prefix)),
                        ),
                    ])),
                ),
            ]));
            jobs.push(Job { name, dot });
        }
    }
    let dependencies = match &chart.meta {
        V::Map(m) => m.get("dependencies").cloned(),
        _ => None,
    }
    .or_else(|| {
        let req = chart.dir.join("requirements.yaml");
        req.is_file()
            .then(|| yaml_value(&req, root).ok())
            .flatten()
            .and_then(|v| match v {
                V::Map(m) => m.get("dependencies").cloned(),
                _ => None,
            })
    });
    for sub in &chart.subcharts {
        let name = sub
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dep = match &dependencies {
            Some(V::List(deps)) => deps.iter().find(|d| matches!(d, V::Map(m) if m.get("name").map(V::to_go_string).as_deref() == Some(name.as_str()) || m.get("alias").map(V::to_go_string).as_deref() == Some(name.as_str()))),
            _ => None,
        };
        let condition = dep.and_then(|d| match d {
            V::Map(m) => m.get("condition").map(V::to_go_string),
            _ => None,
        });
        if condition.is_some_and(|c| !enabled(&values, &c)) {
            continue;
        }
        let mut sub_values = sub.values.clone();
        if let V::Map(parent) = &values {
            if let Some(own) = parent.get(&name) {
                sub_values = funcs::deep_merge(own.clone(), &sub_values, false);
            }
            if let Some(global) = parent.get("global") {
                if let V::Map(m) = &mut sub_values {
                    let merged = funcs::deep_merge(
                        global.clone(),
                        m.get("global").unwrap_or(&V::Nil),
                        false,
                    );
                    m.insert("global".into(), merged);
                }
            }
        }
        prepare(sub, sub_values, root, engine, paths, jobs, failures)?;
    }
    Ok(())
}

/// Renders the chart in `dir` with the built-in engine. A template that fails is reported in
/// `failures` and left out; the chart's other templates are still rendered (a chart that cannot
/// be loaded at all is an `Err`). `warnings` get what was skipped (packed subcharts).
pub fn render(
    root: &Path,
    dir: &Path,
    options: &RenderOptions,
    time_budget: Option<std::time::Duration>,
    warnings: &mut Vec<RenderError>,
    failures: &mut Vec<RenderError>,
) -> Result<Generated, RenderError> {
    let chart = load(root, dir, String::new(), warnings)?;
    let name = match &chart.meta {
        V::Map(m) => m.get("name").map(V::to_go_string).unwrap_or_default(),
        _ => String::new(),
    };
    let chart = Chart {
        prefix: if name.is_empty() {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            name
        },
        ..chart
    };
    // Subcharts were loaded under the empty prefix; rebuild their names under the chart's.
    fn reprefix(c: &mut Chart, prefix: &str) {
        for s in &mut c.subcharts {
            let name = s
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            s.prefix = format!("{prefix}/charts/{name}");
            let p = s.prefix.clone();
            reprefix(s, &p);
        }
    }
    let mut chart = chart;
    let prefix = chart.prefix.clone();
    reprefix(&mut chart, &prefix);

    let mut values = chart.values.clone();
    for file in &options.helm_values {
        let user = user_yaml_value(file, root)?;
        values = funcs::deep_merge(values, &user, true);
    }
    for spec in &options.helm_set {
        parse_set(&mut values, spec).map_err(|m| RenderError {
            file: rel(root, dir),
            loc: Location::new(1, 1),
            message: m,
        })?;
    }

    let mut engine = exec::Engine::default();
    let mut paths = Vec::new();
    let mut jobs = Vec::new();
    prepare(
        &chart,
        values,
        root,
        &mut engine,
        &mut paths,
        &mut jobs,
        failures,
    )?;

    let mut text = String::new();
    let mut origins = LineOrigins {
        files: paths.clone(),
        lines: Vec::new(),
    };
    let mut documents = Vec::new();
    for job in &jobs {
        // Each template file has the per-file time budget, as a file read from disk has.
        let budget = time_budget.map_or_else(Budget::unlimited, Budget::starting_now);
        let out = match engine.render_within(&job.name, &job.dot, budget) {
            Ok(out) => out,
            Err(e) => {
                failures.push(RenderError {
                    file: paths
                        .get(e.pos.file as usize)
                        .cloned()
                        .unwrap_or_else(|| rel(root, dir)),
                    loc: Location::new(e.pos.line.max(1), 1),
                    message: format!("{} not rendered: {}", job.name, e.message),
                });
                continue;
            }
        };
        let (docs, error) = parse_documents(&out.text, YamlLimits::default());
        if let Some(e) = error {
            // The error's line, or the last traced line before it (an error at the end of the
            // output is reported past its last line).
            let upto = (e.loc.line as usize).min(out.lines.len());
            let at = out.lines[..upto].iter().rev().find_map(|p| *p);
            let file_index = engine
                .files
                .iter()
                .position(|f| *f == job.name)
                .unwrap_or(0);
            failures.push(RenderError {
                file: paths
                    .get(at.map_or(file_index, |p| p.file as usize))
                    .cloned()
                    .unwrap_or_default(),
                loc: Location::new(at.map_or(1, |p| p.line), 1),
                message: format!(
                    "{} renders to invalid YAML: {} (line {} of its output)",
                    job.name, e.message, e.loc.line
                ),
            });
            continue;
        }
        // A separator line, then the template's output, positioned in the generated text.
        text.push_str(&format!("---\n# Source: {}\n", job.name));
        origins.lines.push(None);
        origins.lines.push(None);
        let offset = origins.lines.len() as u32;
        text.push_str(&out.text);
        if !out.text.ends_with('\n') {
            text.push('\n');
        }
        let line_count = out.text.lines().count().max(out.lines.len());
        for i in 0..line_count {
            origins.lines.push(
                out.lines
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|p| (p.file, p.line)),
            );
        }
        origins
            .lines
            .truncate(offset as usize + out.text.lines().count());
        for (_, mut doc) in docs {
            shift(&mut doc, offset);
            documents.push(doc);
        }
    }
    Ok(Generated {
        source: SourceFile::generated(rel(root, dir), text, origins),
        documents,
    })
}

/// Renders one template text with `dot` as its data (for tests and tools): the output and the
/// template line of each of its lines.
pub fn render_text(name: &str, src: &str, dot: &V) -> Result<exec::Output, String> {
    let mut engine = exec::Engine::default();
    engine
        .add(name, src)
        .map_err(|e| format!("{name}:{}: {}", e.pos.line, e.message))?;
    engine
        .render(name, dot)
        .map_err(|e| format!("{name}:{}: {}", e.pos.line, e.message))
}

fn shift(node: &mut Node, lines: u32) {
    use stridemap_model::Value;
    node.loc.line += lines;
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, lines)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, lines);
            shift(v, lines);
        }),
    }
}

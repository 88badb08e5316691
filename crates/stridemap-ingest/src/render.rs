//! What the repository deploys rather than what it stores: Kustomize overlays are built and Helm
//! charts rendered, and their output joins the corpus as generated files whose lines point back
//! at the files written by hand.

use crate::discover::Candidate;
use crate::kustomize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use stridemap_model::report::{Diagnostic, DiagnosticLevel};
use stridemap_model::{Node, SourceFile};

/// How charts and overlays are turned into objects.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Extra Helm values files, applied in order over each chart's `values.yaml`.
    pub helm_values: Vec<PathBuf>,
    /// `--set key=value` overrides, applied last.
    pub helm_set: Vec<String>,
    /// Render charts with the `helm` binary instead of the built-in engine.
    pub helm_binary: bool,
    /// Build overlays with `kubectl kustomize` instead of the built-in builder.
    pub kubectl_binary: bool,
    /// Neither render charts nor build overlays (their files are then read as they are).
    pub disabled: bool,
}

/// One generated file and the documents parsed from it.
pub struct Generated {
    pub source: SourceFile,
    pub documents: Vec<Node>,
}

/// The output of rendering: generated files, the hand-written files they replace as objects,
/// and diagnostics.
#[derive(Default)]
pub struct Rendered {
    pub generated: Vec<Generated>,
    /// Canonical paths of files read by a build: their own objects are not reported again.
    pub consumed: BTreeSet<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Builds every kustomization that no other kustomization uses (the overlays).
pub fn kustomizations(
    root: &Path,
    candidates: &[Candidate],
    options: &RenderOptions,
    out: &mut Rendered,
) {
    if options.disabled || root.is_file() {
        return;
    }
    let dirs: Vec<(PathBuf, String)> = candidates
        .iter()
        .filter(|c| {
            c.path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| kustomize::KUSTOMIZATION_FILES.contains(&n))
        })
        .filter_map(|c| Some((c.path.parent()?.to_path_buf(), c.rel.clone())))
        .collect();
    let mut builds = Vec::new();
    let mut used = BTreeSet::new();
    for (dir, rel) in &dirs {
        out.consumed.extend(kustomize::patch_files(dir));
        if kustomize::is_component(dir) {
            continue;
        }
        match kustomize::build(root, dir) {
            Ok(b) => {
                used.extend(b.dirs.iter().cloned());
                builds.push((canonical(dir), rel.clone(), b));
            }
            Err(e) => out.diagnostics.push(
                Diagnostic::new(
                    DiagnosticLevel::Error,
                    "kustomize-build",
                    e.file,
                    format!("kustomization {rel} not built: {}", e.message),
                )
                .at(e.loc.line, e.loc.column),
            ),
        }
    }
    for (dir, rel, built) in builds {
        // A base or component reached from an overlay is reported as part of that overlay.
        if used.contains(&dir) || built.is_component {
            continue;
        }
        if options.kubectl_binary {
            match crate::external::kubectl_kustomize(&dir) {
                Ok(text) => {
                    out.consumed.extend(built.files);
                    out.generated.push(crate::external::generated(rel, text));
                }
                Err(message) => out.diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Error,
                    "kustomize-build",
                    rel,
                    message,
                )),
            }
            continue;
        }
        for e in &built.skipped {
            out.diagnostics.push(
                Diagnostic::new(
                    DiagnosticLevel::Warning,
                    "kustomize-build",
                    e.file.clone(),
                    e.message.clone(),
                )
                .at(e.loc.line, e.loc.column),
            );
        }
        out.consumed.extend(built.files);
        out.generated.push(Generated {
            source: SourceFile::generated(rel, built.text, built.origins),
            documents: built.objects,
        });
    }
}

/// Renders every chart (a directory with `Chart.yaml`) that is not a subchart of another.
pub fn charts(
    root: &Path,
    candidates: &[Candidate],
    options: &RenderOptions,
    time_budget: Option<std::time::Duration>,
    out: &mut Rendered,
) {
    let dirs: Vec<(PathBuf, String)> = candidates
        .iter()
        .filter(|c| c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|c| Some((c.path.parent()?.to_path_buf(), c.rel.clone())))
        .collect();
    for (dir, rel) in &dirs {
        // A subchart (`parent/charts/sub`) is rendered with its parent.
        let is_subchart = dir
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "charts"))
            .and_then(Path::parent)
            .is_some_and(|parent| parent.join("Chart.yaml").is_file());
        if is_subchart {
            continue;
        }
        let chart_rel = rel
            .strip_suffix("Chart.yaml")
            .unwrap_or(rel)
            .trim_end_matches('/');
        let chart_rel = if chart_rel.is_empty() { "." } else { chart_rel }.to_string();
        if options.disabled {
            out.diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Info,
                "helm-not-rendered",
                rel.clone(),
                "Helm chart not rendered (rendering is off); its templates are not scanned",
            ));
            continue;
        }
        if options.helm_binary {
            let mut args: Vec<String> = vec!["template".into(), "release-name".into(), ".".into()];
            for v in &options.helm_values {
                args.push("--values".into());
                args.push(canonical(v).to_string_lossy().into_owned());
            }
            for s in &options.helm_set {
                args.push("--set".into());
                args.push(s.clone());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            match crate::external::run("helm", &args, dir, crate::external::TIMEOUT) {
                Ok(text) => out
                    .generated
                    .push(crate::external::generated(chart_rel, text)),
                Err(message) => out.diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Error,
                    "helm-render",
                    rel.clone(),
                    message,
                )),
            }
            continue;
        }
        let mut warnings = Vec::new();
        let mut failures = Vec::new();
        match crate::helm::render(
            root,
            dir,
            options,
            time_budget,
            &mut warnings,
            &mut failures,
        ) {
            Ok(generated) => out.generated.push(generated),
            Err(e) => out.diagnostics.push(
                Diagnostic::new(
                    DiagnosticLevel::Error,
                    "helm-render",
                    e.file,
                    format!("chart {chart_rel} not rendered: {}", e.message),
                )
                .at(e.loc.line, e.loc.column),
            ),
        }
        for f in failures {
            out.diagnostics.push(
                Diagnostic::new(
                    DiagnosticLevel::Error,
                    "helm-render",
                    f.file,
                    format!("chart {chart_rel}: template {}", f.message),
                )
                .at(f.loc.line, f.loc.column),
            );
        }
        for w in warnings {
            out.diagnostics.push(
                Diagnostic::new(DiagnosticLevel::Warning, "helm-render", w.file, w.message)
                    .at(w.loc.line, w.loc.column),
            );
        }
    }
}

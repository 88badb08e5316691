//! Walking the repository and recognising which files stridemap reads.

use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use stridemap_model::corpus::{FileKind, Language};
use stridemap_model::report::{Diagnostic, DiagnosticLevel};

/// A file to read, with its path relative to the scanned root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub rel: String,
    pub kind: FileKind,
}

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub no_ignore: bool,
    pub exclude: Vec<String>,
    /// Excludes from a configuration file, matched against paths relative to its directory.
    pub config_exclude: Option<RelativeGlobs>,
}

/// Globs matched against paths relative to `base` (which may be above the scanned root).
#[derive(Debug, Clone)]
pub struct RelativeGlobs {
    pub base: PathBuf,
    pub globs: globset::GlobSet,
}

impl RelativeGlobs {
    /// A matcher for paths under `root`: `None` when `root` is not inside `base`.
    fn for_root(&self, root: &Path) -> Option<impl Fn(&Path) -> bool + Send + Sync + 'static> {
        let base = self.base.canonicalize().ok()?;
        let root = root.canonicalize().ok()?;
        let prefix = root.strip_prefix(&base).ok()?.to_path_buf();
        let globs = self.globs.clone();
        Some(move |rel: &Path| globs.is_match(prefix.join(rel)))
    }
}

/// What a file name says about its contents; `None` for files stridemap does not read.
pub fn kind_from_name(file_name: &str) -> Option<FileKind> {
    let lower = file_name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
    {
        // `Dockerfile.md` and friends are documentation, not build files.
        let ext = lower.rsplit('.').next().unwrap_or("");
        if lower.contains('.')
            && matches!(
                ext,
                "md" | "txt"
                    | "rst"
                    | "html"
                    | "json"
                    | "yaml"
                    | "yml"
                    | "sh"
                    | "orig"
                    | "bak"
                    | "swp"
            )
        {
            return None;
        }
        return Some(FileKind::Dockerfile);
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "yaml" | "yml" | "json" => FileKind::Yaml,
        "properties" => FileKind::Properties,
        "conf" | "nginx" => FileKind::Nginx,
        "py" => FileKind::Source(Language::Python),
        "js" | "mjs" | "cjs" | "jsx" => FileKind::Source(Language::JavaScript),
        "ts" | "tsx" | "mts" | "cts" if !lower.ends_with(".d.ts") => {
            FileKind::Source(Language::TypeScript)
        }
        "go" => FileKind::Source(Language::Go),
        "java" => FileKind::Source(Language::Java),
        "tf" | "tfvars" => FileKind::Terraform,
        _ => return None,
    })
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s
    }
}

/// Walks `root` (a directory or a single file) and returns the candidates in path order.
pub fn discover(
    root: &Path,
    opts: &WalkOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Candidate> {
    let config_excluded = opts.config_exclude.as_ref().and_then(|g| {
        // A single file is matched by its name, from the directory that holds it.
        let dir = match root.parent() {
            Some(p) if root.is_file() && p.as_os_str().is_empty() => Path::new("."),
            Some(p) if root.is_file() => p,
            _ => root,
        };
        g.for_root(dir)
    });
    if root.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A file named explicitly is read as YAML when its name says nothing.
        let kind = kind_from_name(&name).unwrap_or(FileKind::Yaml);
        if config_excluded
            .as_ref()
            .is_some_and(|excluded| excluded(Path::new(&name)))
        {
            return Vec::new();
        }
        return vec![Candidate {
            path: root.to_path_buf(),
            rel: name,
            kind,
        }];
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry({
            let root = root.to_path_buf();
            move |e| {
                e.file_name() != ".git"
                    && !config_excluded.as_ref().is_some_and(|excluded| {
                        e.depth() > 0 && excluded(e.path().strip_prefix(&root).unwrap_or(e.path()))
                    })
            }
        });
    if !opts.exclude.is_empty() {
        let mut overrides = OverrideBuilder::new(root);
        for glob in &opts.exclude {
            if let Err(e) = overrides.add(&format!("!{glob}")) {
                diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Error,
                    "bad-exclude",
                    glob.clone(),
                    format!("invalid --exclude glob: {e}"),
                ));
            }
        }
        if let Ok(o) = overrides.build() {
            builder.overrides(o);
        }
    }

    let mut candidates = Vec::new();
    let mut chart_dirs = BTreeSet::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = error_path(&err)
                    .map(|p| rel_path(root, &p))
                    .unwrap_or_else(|| ".".into());
                diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Warning,
                    "unreadable",
                    path,
                    format!("cannot read: {}", err_message(&err)),
                ));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if ft.is_symlink() {
            check_symlink(root, &canonical_root, path, diagnostics);
            continue;
        }
        if !ft.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name == "Chart.yaml" {
            if let Some(dir) = path.parent() {
                chart_dirs.insert(dir.join("templates"));
            }
        }
        if let Some(kind) = kind_from_name(&name) {
            candidates.push(Candidate {
                path: path.to_path_buf(),
                rel: rel_path(root, path),
                kind,
            });
        }
    }
    // Helm templates are not YAML until rendered (`render::charts` does that); reading them raw
    // gives only noise.
    candidates.retain(|c| {
        let in_chart = chart_dirs.iter().any(|t| c.path.starts_with(t));
        !(in_chart && c.kind == FileKind::Yaml)
    });
    candidates
}

fn check_symlink(
    root: &Path,
    canonical_root: &Path,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let rel = rel_path(root, path);
    match path.canonicalize() {
        Ok(target) if !target.starts_with(canonical_root) => diagnostics.push(Diagnostic::new(
            DiagnosticLevel::Warning,
            "symlink-outside-root",
            rel,
            "symbolic link points outside the scanned root; not followed",
        )),
        Ok(_) => {}
        Err(e) => diagnostics.push(Diagnostic::new(
            DiagnosticLevel::Warning,
            "broken-symlink",
            rel,
            format!("symbolic link cannot be resolved ({e}); not followed"),
        )),
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn err_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            err_message(err)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(kind_from_name("Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(kind_from_name("api.Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(
            kind_from_name("Dockerfile.prod"),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(kind_from_name("Containerfile"), Some(FileKind::Dockerfile));
        assert_eq!(kind_from_name("Dockerfile.md"), None);
        assert_eq!(
            kind_from_name("server.properties"),
            Some(FileKind::Properties)
        );
        assert_eq!(kind_from_name("deploy.YML"), Some(FileKind::Yaml));
        assert_eq!(kind_from_name("types.d.ts"), None);
        assert_eq!(
            kind_from_name("main.go"),
            Some(FileKind::Source(Language::Go))
        );
        assert_eq!(kind_from_name("README.md"), None);
        assert_eq!(kind_from_name("main.tf"), Some(FileKind::Terraform));
        assert_eq!(kind_from_name("prod.tfvars"), Some(FileKind::Terraform));
        assert_eq!(kind_from_name("terraform.tfstate"), None);
    }
}

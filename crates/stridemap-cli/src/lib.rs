//! The pipeline, end to end: discover → parse → model → rules → report, with the user's
//! configuration applied at each stage: excludes when discovering, declared entry points and
//! crown jewels on the model, rule selection and severities when the rules run, suppressions
//! and the baseline when the report is assembled.

pub mod config;

use config::Config;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use stridemap_ingest::{Options, RelativeGlobs};
use stridemap_model::Report;
use stridemap_report::suppress::Suppressions;
use stridemap_report::AssembleOptions;

/// Scans `root` (a directory or a single file) with every registered rule and no configuration.
pub fn scan(root: &Path, options: &Options) -> Report {
    scan_with_progress(root, options, |_| {})
}

/// [`scan`], announcing each stage as it starts (for a progress display).
pub fn scan_with_progress(root: &Path, options: &Options, stage: impl FnMut(&str)) -> Report {
    scan_configured(
        root,
        options,
        &Config::default(),
        &Controls::default(),
        stage,
    )
    .expect("without a configuration nothing can be misconfigured")
}

/// What the command line adds to a configured scan.
#[derive(Debug, Default)]
pub struct Controls<'a> {
    /// Warn about suppressions that matched nothing.
    pub report_unused_suppressions: bool,
    /// Fingerprints of known threats: only the others are reported.
    pub baseline: Option<&'a BTreeSet<String>>,
}

/// The ingest options with the configuration's excludes.
pub fn with_config_excludes(mut options: Options, config: &Config) -> Options {
    if let (Some(globs), Some(base)) = (&config.exclude, config.base_dir()) {
        options.walk.config_exclude = Some(RelativeGlobs {
            base,
            globs: globs.clone(),
        });
    }
    options
}

/// A scan under a configuration. Fails only when the configuration names architecture nodes
/// that do not exist (everything else in it was checked when it was read).
pub fn scan_configured(
    root: &Path,
    options: &Options,
    config: &Config,
    controls: &Controls,
    mut stage: impl FnMut(&str),
) -> Result<Report, String> {
    // `STRIDEMAP_TIMINGS=1` prints how long each stage took, on stderr.
    let timings = std::env::var_os("STRIDEMAP_TIMINGS").is_some();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &str| {
        if timings {
            eprintln!(
                "stridemap: {name}: {:.3}s{}",
                clock.elapsed().as_secs_f64(),
                peak_memory().map_or(String::new(), |kb| format!(
                    " (peak memory so far {} MiB)",
                    kb / 1024
                ))
            );
        }
        clock = std::time::Instant::now();
    };
    stage("reading and parsing files");
    let corpus = stridemap_ingest::ingest(root, options);
    lap("discover + parse");
    stage("building the architecture model");
    let mut arch = stridemap_architecture::build(&corpus);
    declare(&mut arch, config)?;
    lap("architecture");
    stage(&format!("running rules over {} files", corpus.files.len()));
    let rules: Vec<&dyn stridemap_rules::Rule> = stridemap_rules::registry()
        .iter()
        .copied()
        .filter(|r| config.runs(r.meta().id))
        .collect();
    let settings = stridemap_rules::Settings {
        trusted_registries: config.trusted_registries.clone(),
    };
    let mut findings = stridemap_rules::run_with(&corpus, &arch, &rules, &settings);
    apply_severities_and_overrides(&corpus, root, config, &mut findings);
    lap("rules");
    stage("writing the report");
    let suppressions = Suppressions::collect(&corpus, &|id| match stridemap_rules::find_rule(id) {
        Some(_) => Ok(()),
        None => Err(config::did_you_mean(config::suggest(
            id,
            stridemap_rules::registry().iter().map(|r| r.meta().id),
        ))),
    });
    let report = stridemap_report::assemble_with(
        &corpus,
        &arch,
        findings,
        &display_target(root),
        AssembleOptions {
            suppressions: Some(suppressions),
            report_unused_suppressions: controls.report_unused_suppressions,
            baseline: controls.baseline,
            rules_run: Some(rules.iter().map(|r| r.meta().id).collect()),
        },
    );
    lap("report");
    Ok(report)
}

/// The process's peak resident memory in KiB, where the system tells it (Linux).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Marks the entry points and crown jewels the configuration declares.
fn declare(
    arch: &mut stridemap_model::architecture::ArchitectureGraph,
    config: &Config,
) -> Result<(), String> {
    let names = |list: &[config::Located]| list.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
    let unknown = stridemap_architecture::declare(
        arch,
        &names(&config.entry_points),
        &names(&config.crown_jewels),
    );
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let (key, at) = config
        .entry_points
        .iter()
        .map(|l| ("architecture.entry-points", l))
        .chain(
            config
                .crown_jewels
                .iter()
                .map(|l| ("architecture.crown-jewels", l)),
        )
        .find(|(_, l)| l.value == *first)
        .expect("an unknown name comes from the configuration");
    let mut ids: Vec<String> = arch.nodes().map(|n| n.id.clone()).collect();
    ids.sort();
    Err(config.error_at(
        at.line,
        key,
        format!(
            "no service, data store or broker `{first}` in the architecture (`stridemap graph` shows it){}",
            config::did_you_mean(config::suggest(first, ids.iter().map(String::as_str)))
        ),
    ))
}

/// Severities from the configuration, then per-path overrides (later ones win); findings of
/// rules an override disables for their file are dropped.
fn apply_severities_and_overrides(
    corpus: &stridemap_model::Corpus,
    root: &Path,
    config: &Config,
    findings: &mut Vec<stridemap_rules::Finding>,
) {
    if config.severity.is_empty() && config.overrides.is_empty() {
        return;
    }
    // Override globs are relative to the configuration's directory, files to the scanned root.
    let prefix = config
        .base_dir()
        .and_then(|base| relative_to(&scanned_dir(root), &base))
        .unwrap_or_default();
    findings.retain_mut(|f| {
        let id = f.rule.id;
        let path = prefix.join(&corpus.file(f.locations[0].0).path);
        let mut severity = config.severity.get(id).copied();
        for o in config.overrides.iter().filter(|o| o.paths.is_match(&path)) {
            if o.disabled.contains(id) {
                return false;
            }
            severity = o.severity.get(id).copied().or(severity);
        }
        if let Some(s) = severity {
            f.severity = s;
            f.severity_configured = true;
        }
        true
    });
}

/// The directory whose contents the scan's relative paths start from.
fn scanned_dir(root: &Path) -> PathBuf {
    match root.parent() {
        Some(p) if root.is_file() && !p.as_os_str().is_empty() => p.to_path_buf(),
        _ if root.is_file() => PathBuf::from("."),
        _ => root.to_path_buf(),
    }
}

/// `path` relative to `base`, when it is inside it.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let path = path.canonicalize().ok()?;
    let base = base.canonicalize().ok()?;
    path.strip_prefix(base).ok().map(Path::to_path_buf)
}

/// A configured scan and the fix plan made from it (`stridemap fix`): the policies and edits
/// that close threats the scan found, each naming them.
pub fn fix_plan(
    root: &Path,
    options: &Options,
    config: &Config,
) -> Result<(Report, stridemap_fix::Plan), String> {
    let report = scan_configured(root, options, config, &Controls::default(), |_| {})?;
    // The plan also reads a few facts of the files (Service ports, routes, existing mesh
    // policies) that the report does not carry.
    let corpus = stridemap_ingest::ingest(root, options);
    let plan = stridemap_fix::plan(&stridemap_fix::FixInput::from_scan(&report, &corpus));
    Ok((report, plan))
}

/// Only the architecture model of `root` (discover → parse → model), for diagrams.
pub fn model(root: &Path, options: &Options) -> stridemap_model::architecture::ArchitectureGraph {
    let corpus = stridemap_ingest::ingest(root, options);
    stridemap_architecture::build(&corpus)
}

/// The target as the user named it, with `/` separators.
fn display_target(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

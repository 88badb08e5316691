//! Discover → parse: turns a directory (or one file) into a [`Corpus`] of typed documents.
//!
//! Files are found with the `ignore` crate, read and parsed in parallel with rayon, each exactly
//! once. Nothing here stops the scan: unreadable, binary, oversized or malformed files become
//! [`Diagnostic`]s with file and line.

pub mod budget;
pub mod code;
pub mod discover;
pub mod dockerfile;
pub mod documents;
pub mod external;
pub mod helm;
pub mod kustomize;
pub mod nginx;
pub mod properties;
pub mod render;
pub mod terraform;
pub mod tree;
pub mod yaml;

use rayon::prelude::*;
use std::path::Path;
use stridemap_model::code::CodeFacts;
use stridemap_model::corpus::FileKind;
use stridemap_model::report::{Diagnostic, DiagnosticLevel};
use stridemap_model::{Corpus, FileId, SourceFile};

pub use budget::Budget;
pub use discover::{Candidate, RelativeGlobs, WalkOptions};
pub use yaml::YamlLimits;

/// The largest file read by default (`--max-file-size`); the Helm and Kustomize builders, which
/// read the files they name themselves, hold to it too.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    pub walk: WalkOptions,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_size: u64,
    pub yaml: YamlLimits,
    /// Time one file may take to parse (`None`: no limit). A file over it keeps what was parsed
    /// before the deadline and gets a `time-budget` diagnostic.
    pub file_time_budget: Option<std::time::Duration>,
    pub render: render::RenderOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            walk: WalkOptions::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            yaml: YamlLimits::default(),
            file_time_budget: Some(std::time::Duration::from_secs(10)),
            render: render::RenderOptions::default(),
        }
    }
}

/// Everything one file contributes to the corpus.
#[derive(Default)]
struct Parsed {
    contents: documents::YamlContents,
    dockerfile: Option<stridemap_model::dockerfile::Dockerfile>,
    properties: Option<stridemap_model::properties::PropertiesFile>,
    code: Option<CodeFacts>,
    nginx: Vec<stridemap_model::nginx::NginxConfig>,
    terraform: Option<stridemap_model::terraform::TfFile>,
    diagnostics: Vec<Diagnostic>,
}

pub fn ingest(root: &Path, options: &Options) -> Corpus {
    let mut diagnostics = Vec::new();
    let candidates = discover::discover(root, &options.walk, &mut diagnostics);
    let mut rendered = render::Rendered::default();
    render::kustomizations(root, &candidates, &options.render, &mut rendered);
    render::charts(
        root,
        &candidates,
        &options.render,
        options.file_time_budget,
        &mut rendered,
    );
    let results: Vec<(SourceFile, Parsed)> = candidates
        .par_iter()
        .enumerate()
        .map(|(i, c)| read_and_parse(FileId(i as u32), c, options))
        .collect();
    // A file a build read is reported through what the build deploys.
    let consumed: Vec<bool> = candidates
        .iter()
        .map(|c| {
            !rendered.consumed.is_empty()
                && rendered
                    .consumed
                    .contains(&c.path.canonicalize().unwrap_or_default())
        })
        .collect();
    assemble(results, &consumed, rendered, diagnostics)
}

/// A corpus from files held in memory, as if a directory of them had been scanned: `(path,
/// contents)` pairs with `/`-separated relative paths; files whose names stridemap does not read
/// are left out, as the walk would. Used by the fuzz targets and by tests.
pub fn ingest_files(files: &[(String, Vec<u8>)], options: &Options) -> Corpus {
    let mut files: Vec<&(String, Vec<u8>)> = files.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    let wanted: Vec<(FileKind, &String, &Vec<u8>)> = files
        .into_iter()
        .filter_map(|(path, bytes)| {
            let name = path.rsplit('/').next().unwrap_or(path);
            discover::kind_from_name(name).map(|kind| (kind, path, bytes))
        })
        .collect();
    let results = wanted
        .par_iter()
        .enumerate()
        .map(|(i, (kind, path, bytes))| {
            let mut parsed = Parsed::default();
            let name = path.rsplit('/').next().unwrap_or(path);
            if bytes.len() as u64 > options.max_file_size {
                parsed
                    .diagnostics
                    .push(too_large(path, bytes.len() as u64, options));
                return (
                    SourceFile::new((*path).clone(), *kind, String::new()),
                    parsed,
                );
            }
            parse_bytes(FileId(i as u32), path, name, *kind, bytes.to_vec(), options)
        })
        .collect();
    assemble(results, &[], render::Rendered::default(), Vec::new())
}

/// Everything one file contributes: its documents and diagnostics.
pub struct ParsedFile {
    pub source: SourceFile,
    pub objects: Vec<stridemap_model::k8s::K8sObject>,
    pub compose: Vec<stridemap_model::compose::ComposeFile>,
    pub other_yaml: Vec<stridemap_model::corpus::YamlDocument>,
    pub dockerfile: Option<stridemap_model::dockerfile::Dockerfile>,
    pub properties: Option<stridemap_model::properties::PropertiesFile>,
    pub code: Option<CodeFacts>,
    pub nginx: Vec<stridemap_model::nginx::NginxConfig>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file's bytes as `kind` (the fuzz targets' entry point): `rel` is the path the
/// diagnostics name, `file_name` the name that decides how YAML documents are classified.
pub fn parse_file(
    rel: &str,
    file_name: &str,
    kind: FileKind,
    bytes: Vec<u8>,
    options: &Options,
) -> ParsedFile {
    let (source, p) = parse_bytes(FileId(0), rel, file_name, kind, bytes, options);
    ParsedFile {
        source,
        objects: p.contents.objects,
        compose: p.contents.compose,
        other_yaml: p.contents.other,
        dockerfile: p.dockerfile,
        properties: p.properties,
        code: p.code,
        nginx: p.nginx,
        diagnostics: p.diagnostics,
    }
}

/// The corpus from parsed files (`consumed[i]`: file `i` was read by a Helm or Kustomize build,
/// whose output in `rendered` stands for it) and the rendered files.
fn assemble(
    results: Vec<(SourceFile, Parsed)>,
    consumed: &[bool],
    rendered: render::Rendered,
    mut diagnostics: Vec<Diagnostic>,
) -> Corpus {
    let mut corpus = Corpus::default();
    for (i, (mut source, parsed)) in results.into_iter().enumerate() {
        let consumed = consumed.get(i).copied().unwrap_or(false);
        source.superseded = consumed;
        corpus.files.push(source);
        if !consumed {
            corpus.objects.extend(parsed.contents.objects);
        }
        corpus.compose.extend(parsed.contents.compose);
        corpus.other_yaml.extend(parsed.contents.other);
        corpus.dockerfiles.extend(parsed.dockerfile);
        corpus.properties.extend(parsed.properties);
        corpus.code.extend(parsed.code);
        corpus.nginx.extend(parsed.nginx);
        corpus.terraform.extend(parsed.terraform);
        diagnostics.extend(parsed.diagnostics);
    }
    for generated in rendered.generated {
        let id = FileId(corpus.files.len() as u32);
        let contents = documents::classify(
            id,
            "",
            generated
                .documents
                .into_iter()
                .enumerate()
                .map(|(i, n)| (i as u32, n))
                .collect(),
        );
        corpus.objects.extend(contents.objects);
        corpus.files.push(generated.source);
    }
    diagnostics.extend(rendered.diagnostics);
    diagnostics.sort();
    corpus.diagnostics = diagnostics;
    stridemap_model::terraform::resolve(&mut corpus.terraform);
    corpus.index_objects();
    corpus
}

/// NGINX configurations kept as ConfigMap values (`nginx.conf: |`).
fn embedded_nginx(
    file: FileId,
    source: &SourceFile,
    objects: &[stridemap_model::k8s::K8sObject],
) -> Vec<stridemap_model::nginx::NginxConfig> {
    let mut out = Vec::new();
    for o in objects.iter().filter(|o| o.kind == "ConfigMap") {
        for (key, _, value) in o
            .root
            .get("data")
            .map(|d| d.entries().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let Some(text) = value.as_str() else { continue };
            if !(key.ends_with(".conf") || key.contains("nginx")) || !text.contains('{') {
                continue;
            }
            // A block scalar (`|`, `>`) starts its content on the line after the indicator.
            let indicator = source
                .line_text(value.loc.line)
                .chars()
                .nth(value.loc.column.saturating_sub(1) as usize);
            let offset = if matches!(indicator, Some('|') | Some('>')) {
                value.loc.line
            } else {
                value.loc.line - 1
            };
            if let Ok(Some(directives)) = nginx::parse(text, offset) {
                out.push(stridemap_model::nginx::NginxConfig {
                    file,
                    embedded_in: Some(format!("ConfigMap/{}", o.name)),
                    directives,
                });
            }
        }
    }
    out
}

/// Bytes inspected for NUL when deciding whether a file is binary.
const BINARY_SNIFF: usize = 8192;

fn too_large(rel: &str, len: u64, options: &Options) -> Diagnostic {
    Diagnostic::new(
        DiagnosticLevel::Warning,
        "too-large",
        rel.to_string(),
        format!(
            "file is {len} bytes, over the {}-byte limit (--max-file-size); skipped",
            options.max_file_size
        ),
    )
}

fn read_and_parse(id: FileId, c: &Candidate, options: &Options) -> (SourceFile, Parsed) {
    let mut parsed = Parsed::default();
    let empty = |kind| SourceFile::new(c.rel.clone(), kind, String::new());
    let diag = |level, code: &str, msg: String| Diagnostic::new(level, code, c.rel.clone(), msg);

    match std::fs::metadata(&c.path) {
        Ok(m) if m.len() > options.max_file_size => {
            parsed.diagnostics.push(too_large(&c.rel, m.len(), options));
            return (empty(c.kind), parsed);
        }
        Ok(_) => {}
        Err(e) => {
            parsed.diagnostics.push(diag(
                DiagnosticLevel::Error,
                "unreadable",
                format!("cannot read: {e}"),
            ));
            return (empty(c.kind), parsed);
        }
    }
    // Read at most one byte over the limit: the file may have grown since `metadata`.
    let bytes = match read_at_most(&c.path, options.max_file_size.saturating_add(1)) {
        Ok(b) if b.len() as u64 > options.max_file_size => {
            parsed
                .diagnostics
                .push(too_large(&c.rel, b.len() as u64, options));
            return (empty(c.kind), parsed);
        }
        Ok(b) => b,
        Err(e) => {
            parsed.diagnostics.push(diag(
                DiagnosticLevel::Error,
                "unreadable",
                format!("cannot read: {e}"),
            ));
            return (empty(c.kind), parsed);
        }
    };
    let file_name = c
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_bytes(id, &c.rel, &file_name, c.kind, bytes, options)
}

fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn parse_bytes(
    id: FileId,
    rel: &str,
    file_name: &str,
    kind: FileKind,
    bytes: Vec<u8>,
    options: &Options,
) -> (SourceFile, Parsed) {
    let mut parsed = Parsed::default();
    let empty = |kind| SourceFile::new(rel.to_string(), kind, String::new());
    let diag = |level, code: &str, msg: String| Diagnostic::new(level, code, rel.to_string(), msg);
    let budget = options
        .file_time_budget
        .map_or_else(Budget::unlimited, Budget::starting_now);
    // What was read before the deadline is kept; the rest of the file is skipped.
    let over_budget = || {
        diag(
            DiagnosticLevel::Warning,
            "time-budget",
            format!(
                "parsing took longer than the per-file time budget ({}); the rest of the file is skipped",
                budget.describe()
            ),
        )
    };
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        parsed.diagnostics.push(diag(
            DiagnosticLevel::Warning,
            "binary-file",
            "binary content (NUL bytes); skipped".into(),
        ));
        return (empty(kind), parsed);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            parsed.diagnostics.push(diag(
                DiagnosticLevel::Warning,
                "invalid-utf8",
                "not valid UTF-8; invalid bytes replaced".into(),
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let source = SourceFile::new(rel.to_string(), kind, text);

    match kind {
        FileKind::Yaml => {
            let (docs, error) = yaml::parse_documents_within(&source.text, options.yaml, budget);
            if let Some(e) = error {
                // Limits that cut a valid file short warn; broken or hostile input is an error.
                let level = match e.code {
                    "time-budget" | "yaml-document-limit" => DiagnosticLevel::Warning,
                    _ => DiagnosticLevel::Error,
                };
                parsed
                    .diagnostics
                    .push(diag(level, e.code, e.message).at(e.loc.line, e.loc.column));
            }
            parsed.contents = documents::classify(id, file_name, docs);
            parsed.nginx = embedded_nginx(id, &source, &parsed.contents.objects);
        }
        FileKind::Nginx => match nginx::parse_within(&source.text, 0, budget) {
            Ok(nginx::Parsed::Config(directives)) => {
                parsed.nginx.push(stridemap_model::nginx::NginxConfig {
                    file: id,
                    embedded_in: None,
                    directives,
                })
            }
            Ok(nginx::Parsed::NotNginx) => {}
            Ok(nginx::Parsed::OverBudget(loc)) => parsed
                .diagnostics
                .push(over_budget().at(loc.line, loc.column)),
            // Other `.conf` formats fail to parse as NGINX; only a file named for NGINX is an error.
            Err((loc, msg)) if file_name.to_ascii_lowercase().contains("nginx") => {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Error, "nginx-syntax", msg).at(loc.line, loc.column),
                );
            }
            Err(_) => {}
        },
        FileKind::Dockerfile => {
            let (df, warnings, stopped_at) = dockerfile::parse_within(id, &source, budget);
            for w in warnings {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Warning, "dockerfile-syntax", w.message)
                        .at(w.loc.line, w.loc.column),
                );
            }
            if let Some(loc) = stopped_at {
                parsed
                    .diagnostics
                    .push(over_budget().at(loc.line, loc.column));
            }
            parsed.dockerfile = Some(df);
        }
        FileKind::Properties => {
            let (p, stop) = properties::parse_within(id, &source.text, budget);
            match stop {
                Some(properties::Stop::Syntax(line, msg)) => parsed.diagnostics.push(
                    diag(DiagnosticLevel::Error, "properties-syntax", msg).at(line.max(1), 1),
                ),
                Some(properties::Stop::TimeBudget(line)) => {
                    parsed.diagnostics.push(over_budget().at(line.max(1), 1))
                }
                None => {}
            }
            parsed.properties = Some(p);
        }
        FileKind::Source(language) => {
            let (facts, stopped_at) = code::extract_within(id, language, &source, budget);
            if let Some(offset) = stopped_at {
                let loc = source.location_of(offset);
                parsed.diagnostics.push(
                    diag(
                        DiagnosticLevel::Warning,
                        "time-budget",
                        format!(
                            "reading the code took longer than the per-file time budget ({}); no facts kept from this file",
                            budget.describe()
                        ),
                    )
                    .at(loc.line, loc.column),
                );
            }
            parsed.code = Some(facts);
        }
        FileKind::Terraform => match terraform::parse(id, &source) {
            Ok(tf) => parsed.terraform = Some(tf),
            Err((loc, msg)) => parsed.diagnostics.push(
                diag(DiagnosticLevel::Error, "terraform-syntax", msg).at(loc.line, loc.column),
            ),
        },
    }
    (source, parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn a_file_that_vanishes_after_discovery_is_a_diagnostic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gone.yaml"), "a: 1\n").unwrap();
        let mut diagnostics = Vec::new();
        let candidates = discover::discover(dir.path(), &WalkOptions::default(), &mut diagnostics);
        assert_eq!(candidates.len(), 1);
        std::fs::remove_file(dir.path().join("gone.yaml")).unwrap();
        let (source, parsed) = read_and_parse(FileId(0), &candidates[0], &Options::default());
        assert_eq!(source.path, "gone.yaml");
        assert_eq!(codes(&parsed.diagnostics), ["unreadable"]);
    }

    #[test]
    fn fifty_thousand_documents_are_cut_at_the_limit_with_the_line() {
        let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n";
        let text = format!("---\n{doc}").repeat(50_000);
        let started = Instant::now();
        let parsed = parse_file(
            "all.yaml",
            "all.yaml",
            FileKind::Yaml,
            text.into_bytes(),
            &Options::default(),
        );
        assert_eq!(parsed.objects.len(), 10_000);
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "yaml-document-limit");
        assert_eq!(d.file, "all.yaml");
        // Document 10,001 starts on line 10,000 × 7 + 1.
        assert_eq!(d.line, Some(70_001));
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn yaml_over_its_time_budget_keeps_what_it_read() {
        let text = "---\na: 1\n".repeat(200_000);
        let options = Options {
            file_time_budget: Some(Duration::ZERO),
            ..Options::default()
        };
        let parsed = parse_file(
            "big.yaml",
            "big.yaml",
            FileKind::Yaml,
            text.into_bytes(),
            &options,
        );
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "time-budget");
        assert!(d.message.contains("time budget (0ms)"), "{}", d.message);
        assert!(d.line.is_some());
        assert!(parsed.other_yaml.len() < 200_000);
    }

    #[test]
    fn dockerfile_properties_and_nginx_stop_at_their_time_budget() {
        let zero = Options {
            file_time_budget: Some(Duration::ZERO),
            ..Options::default()
        };
        let parse = |name: &str, kind, text: &str, options: &Options| {
            parse_file(name, name, kind, text.as_bytes().to_vec(), options)
        };
        let dockerfile = format!("FROM alpine:3.20\n{}", "RUN echo hi\n".repeat(50_000));
        let properties = "listeners=PLAINTEXT://0.0.0.0:9092\n".repeat(50_000);
        let nginx = format!(
            "http {{\n{}}}\n",
            "server { listen 80; location / { proxy_pass http://api:8080; } }\n".repeat(20_000)
        );
        let cases = [
            ("Dockerfile", FileKind::Dockerfile, dockerfile.as_str()),
            (
                "server.properties",
                FileKind::Properties,
                properties.as_str(),
            ),
            ("nginx.conf", FileKind::Nginx, nginx.as_str()),
        ];
        for (name, kind, text) in cases {
            let over = parse(name, kind, text, &zero);
            assert_eq!(codes(&over.diagnostics), ["time-budget"], "{name}");
            let d = &over.diagnostics[0];
            assert!(d.message.contains("time budget (0ms)"), "{}", d.message);
            assert!(d.line.is_some_and(|l| l >= 1), "{name}");
            // Within the default budget the same file is read whole, without a diagnostic.
            let whole = parse(name, kind, text, &Options::default());
            assert!(
                whole.diagnostics.is_empty(),
                "{name}: {:?}",
                whole.diagnostics
            );
            match kind {
                FileKind::Dockerfile => {
                    assert!(over.dockerfile.unwrap().instructions.len() < 50_001);
                    assert_eq!(whole.dockerfile.unwrap().instructions.len(), 50_001);
                }
                FileKind::Properties => {
                    assert!(over.properties.unwrap().entries.len() < 50_000);
                    assert_eq!(whole.properties.unwrap().entries.len(), 50_000);
                }
                _ => {
                    // A configuration read in part is not kept: it would lack directives.
                    assert!(over.nginx.is_empty());
                    assert_eq!(whole.nginx[0].directives[0].block.len(), 20_000);
                }
            }
        }
    }

    #[test]
    fn code_over_its_time_budget_gives_a_diagnostic() {
        let text = "import requests\nrequests.get('http://orders:8080/x')\n".repeat(20_000);
        let options = Options {
            file_time_budget: Some(Duration::ZERO),
            ..Options::default()
        };
        let kind = FileKind::Source(stridemap_model::corpus::Language::Python);
        let parsed = parse_file(
            "app.py",
            "app.py",
            kind,
            text.clone().into_bytes(),
            &options,
        );
        assert_eq!(codes(&parsed.diagnostics), ["time-budget"]);
        assert!(parsed.code.unwrap().calls.is_empty());
        // Within the default budget the same file is read whole.
        let parsed = parse_file(
            "app.py",
            "app.py",
            kind,
            text.into_bytes(),
            &Options::default(),
        );
        assert!(parsed.diagnostics.is_empty());
        assert!(!parsed.code.unwrap().calls.is_empty());
    }

    #[test]
    fn in_memory_files_are_read_like_a_directory() {
        let files = vec![
            (
                "b/Dockerfile".to_string(),
                b"FROM alpine:3\nUSER 0\n".to_vec(),
            ),
            (
                "a/pod.yaml".to_string(),
                b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n".to_vec(),
            ),
            ("README.md".to_string(), b"# not read\n".to_vec()),
            ("c/bin.yaml".to_string(), b"\x00\x01".to_vec()),
        ];
        let corpus = ingest_files(&files, &Options::default());
        let paths: Vec<&str> = corpus.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/pod.yaml", "b/Dockerfile", "c/bin.yaml"]);
        assert_eq!(corpus.objects.len(), 1);
        assert_eq!(corpus.dockerfiles.len(), 1);
        assert_eq!(codes(&corpus.diagnostics), ["binary-file"]);
    }
}

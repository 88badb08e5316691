//! Discover → parse: turns a directory (or one file) into a [`Corpus`] of typed documents.
//!
//! Files are found with the `ignore` crate, read and parsed in parallel with rayon, each exactly
//! once. Nothing here stops the scan: unreadable, binary, oversized or malformed files become
//! [`Diagnostic`]s with file and line.

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
pub mod yaml;

use rayon::prelude::*;
use std::path::Path;
use stridemap_model::code::CodeFacts;
use stridemap_model::corpus::FileKind;
use stridemap_model::report::{Diagnostic, DiagnosticLevel};
use stridemap_model::{Corpus, FileId, SourceFile};

pub use discover::{Candidate, RelativeGlobs, WalkOptions};
pub use yaml::YamlLimits;

#[derive(Debug, Clone)]
pub struct Options {
    pub walk: WalkOptions,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_size: u64,
    pub yaml: YamlLimits,
    pub render: render::RenderOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            walk: WalkOptions::default(),
            max_file_size: 8 * 1024 * 1024,
            yaml: YamlLimits::default(),
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
    render::charts(root, &candidates, &options.render, &mut rendered);
    let results: Vec<(SourceFile, Parsed)> = candidates
        .par_iter()
        .enumerate()
        .map(|(i, c)| read_and_parse(FileId(i as u32), c, options))
        .collect();

    let mut corpus = Corpus::default();
    for ((mut source, parsed), candidate) in results.into_iter().zip(&candidates) {
        // A file a build read is reported through what the build deploys.
        let consumed = !rendered.consumed.is_empty()
            && rendered
                .consumed
                .contains(&candidate.path.canonicalize().unwrap_or_default());
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

fn read_and_parse(id: FileId, c: &Candidate, options: &Options) -> (SourceFile, Parsed) {
    let mut parsed = Parsed::default();
    let empty = |kind| SourceFile::new(c.rel.clone(), kind, String::new());
    let diag = |level, code: &str, msg: String| Diagnostic::new(level, code, c.rel.clone(), msg);

    match std::fs::metadata(&c.path) {
        Ok(m) if m.len() > options.max_file_size => {
            parsed.diagnostics.push(diag(
                DiagnosticLevel::Warning,
                "too-large",
                format!(
                    "file is {} bytes, over the {}-byte limit (--max-file-size); skipped",
                    m.len(),
                    options.max_file_size
                ),
            ));
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
    let bytes = match std::fs::read(&c.path) {
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
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        parsed.diagnostics.push(diag(
            DiagnosticLevel::Warning,
            "binary-file",
            "binary content (NUL bytes); skipped".into(),
        ));
        return (empty(c.kind), parsed);
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
    let source = SourceFile::new(c.rel.clone(), c.kind, text);
    let file_name = c
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    match c.kind {
        FileKind::Yaml => {
            let (docs, error) = yaml::parse_documents(&source.text, options.yaml);
            if let Some(e) = error {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Error, e.code, e.message).at(e.loc.line, e.loc.column),
                );
            }
            parsed.contents = documents::classify(id, &file_name, docs);
            parsed.nginx = embedded_nginx(id, &source, &parsed.contents.objects);
        }
        FileKind::Nginx => match nginx::parse(&source.text, 0) {
            Ok(Some(directives)) => parsed.nginx.push(stridemap_model::nginx::NginxConfig {
                file: id,
                embedded_in: None,
                directives,
            }),
            Ok(None) => {}
            // Other `.conf` formats fail to parse as NGINX; only a file named for NGINX is an error.
            Err((loc, msg)) if file_name.to_ascii_lowercase().contains("nginx") => {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Error, "nginx-syntax", msg).at(loc.line, loc.column),
                );
            }
            Err(_) => {}
        },
        FileKind::Dockerfile => {
            let (df, warnings) = dockerfile::parse(id, &source);
            for w in warnings {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Warning, "dockerfile-syntax", w.message)
                        .at(w.loc.line, w.loc.column),
                );
            }
            parsed.dockerfile = Some(df);
        }
        FileKind::Properties => {
            let (p, error) = properties::parse(id, &source.text);
            if let Some((line, msg)) = error {
                parsed.diagnostics.push(
                    diag(DiagnosticLevel::Error, "properties-syntax", msg).at(line.max(1), 1),
                );
            }
            parsed.properties = Some(p);
        }
        FileKind::Source(language) => parsed.code = Some(code::extract(id, language, &source)),
        FileKind::Terraform => match terraform::parse(id, &source) {
            Ok(tf) => parsed.terraform = Some(tf),
            Err((loc, msg)) => parsed.diagnostics.push(
                diag(DiagnosticLevel::Error, "terraform-syntax", msg).at(loc.line, loc.column),
            ),
        },
    }
    (source, parsed)
}

//! Everything parsed from one scan: the files read and the typed documents built from them.

use crate::code::CodeFacts;
use crate::compose::ComposeFile;
use crate::dockerfile::Dockerfile;
use crate::k8s::K8sObject;
use crate::location::{Evidence, Location};
use crate::properties::PropertiesFile;
use crate::report::Diagnostic;
use crate::yaml::Node;

/// Index of a file in [`Corpus::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// What a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// YAML or JSON: holds Kubernetes objects, a Compose project, or other documents.
    Yaml,
    Dockerfile,
    Properties,
    /// NGINX configuration (`nginx.conf`, `*.conf` that parse as NGINX).
    Nginx,
    Source(Language),
    /// Terraform configuration (`.tf`) or variable definitions (`.tfvars`).
    Terraform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Go,
    Java,
}

/// A file that was read. `path` is relative to the scanned root and uses `/`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub kind: FileKind,
    pub text: String,
    /// For text stridemap generated (a rendered Helm chart, a built Kustomize overlay): the
    /// hand-written line each of its lines came from.
    pub origins: Option<Box<LineOrigins>>,
    /// A hand-written file scanned as part of a generated one (a Kustomize base or patch): its
    /// objects and comments are read there, not here.
    pub superseded: bool,
    line_starts: Vec<usize>,
}

/// Where the lines of a generated file come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineOrigins {
    /// Paths of the hand-written files, relative to the scanned root.
    pub files: Vec<String>,
    /// Per generated line (index = line - 1): index in `files` and 1-based line there; `None`
    /// for a line that cannot be traced (it is then reported in the generated file itself).
    pub lines: Vec<Option<(u32, u32)>>,
}

impl LineOrigins {
    /// The file and line a generated line came from.
    pub fn of(&self, line: u32) -> Option<(&str, u32)> {
        let (file, at) = (*self.lines.get((line as usize).checked_sub(1)?)?)?;
        Some((self.files.get(file as usize)?.as_str(), at))
    }
}

impl SourceFile {
    pub fn new(path: String, kind: FileKind, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            kind,
            text,
            origins: None,
            superseded: false,
            line_starts,
        }
    }

    /// Generated text (`path` names what generated it) whose lines map back to `origins`.
    pub fn generated(path: String, text: String, origins: LineOrigins) -> Self {
        SourceFile {
            origins: Some(Box::new(origins)),
            ..SourceFile::new(path, FileKind::Yaml, text)
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: u32) -> &str {
        let Some(&start) = self.line_starts.get((line as usize).wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and column of a byte offset.
    pub fn location_of(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |s| s.chars().count());
        Location::new(line as u32, column as u32 + 1)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// A YAML document that is neither a Kubernetes object nor a Compose project (CI pipelines,
/// gateway configs, Helm values…), kept for the rules that understand it.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    pub file: FileId,
    pub index: u32,
    pub root: Node,
}

#[derive(Debug, Default)]
pub struct Corpus {
    pub files: Vec<SourceFile>,
    pub objects: Vec<K8sObject>,
    pub compose: Vec<ComposeFile>,
    pub dockerfiles: Vec<Dockerfile>,
    pub properties: Vec<PropertiesFile>,
    pub other_yaml: Vec<YamlDocument>,
    pub code: Vec<CodeFacts>,
    pub nginx: Vec<crate::nginx::NginxConfig>,
    /// Terraform files, with variables and locals resolved where they are literals.
    pub terraform: Vec<crate::terraform::TfFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Positions in `objects` by kind; built by [`Corpus::index_objects`].
    kind_index: std::collections::BTreeMap<String, Vec<usize>>,
    /// Positions in `objects` by (kind, name); built by [`Corpus::index_objects`].
    name_index: std::collections::BTreeMap<(String, String), Vec<usize>>,
    /// Positions in `dockerfiles` by file path; built by [`Corpus::index_objects`].
    dockerfile_index: rustc_hash::FxHashMap<String, usize>,
    /// Positions in `compose` by the directory of their file; built by [`Corpus::index_objects`].
    compose_dir_index: rustc_hash::FxHashMap<String, Vec<usize>>,
}

/// Longest evidence snippet kept, in characters.
const SNIPPET_MAX: usize = 200;

impl Corpus {
    /// Indexes `objects` by kind and name, Dockerfiles by path and Compose files by directory;
    /// call once after the documents are collected.
    pub fn index_objects(&mut self) {
        self.kind_index.clear();
        self.name_index.clear();
        self.dockerfile_index.clear();
        self.compose_dir_index.clear();
        for (i, df) in self.dockerfiles.iter().enumerate() {
            let path = self.files[df.file.0 as usize].path.clone();
            // The first of several documents of one path wins, as a scan in order would.
            self.dockerfile_index.entry(path).or_insert(i);
        }
        for (i, c) in self.compose.iter().enumerate() {
            let path = &self.files[c.file.0 as usize].path;
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            self.compose_dir_index
                .entry(dir.to_string())
                .or_default()
                .push(i);
        }
        for (i, o) in self.objects.iter().enumerate() {
            self.kind_index.entry(o.kind.clone()).or_default().push(i);
            self.name_index
                .entry((o.kind.clone(), o.name.clone()))
                .or_default()
                .push(i);
        }
    }

    /// Objects of a kind with a name, in corpus order — without scanning the corpus.
    pub fn objects_named<'a>(
        &'a self,
        kind: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a K8sObject> + 'a {
        self.name_index
            .get(&(kind.to_string(), name.to_string()))
            .into_iter()
            .flatten()
            .map(move |&i| &self.objects[i])
    }

    /// Objects of the given kinds, in corpus order per kind — without scanning the corpus.
    pub fn objects_of<'a>(
        &'a self,
        kinds: &'a [&'a str],
    ) -> impl Iterator<Item = &'a K8sObject> + 'a {
        kinds.iter().flat_map(move |k| {
            self.kind_index
                .get(*k)
                .into_iter()
                .flatten()
                .map(move |&i| &self.objects[i])
        })
    }

    /// The Dockerfile read from `path` (relative to the scan root).
    pub fn dockerfile_at(&self, path: &str) -> Option<&Dockerfile> {
        self.dockerfile_index
            .get(path)
            .map(|&i| &self.dockerfiles[i])
    }

    /// The Compose files of a directory (relative to the scan root, `""` for the root), in
    /// corpus order.
    pub fn compose_in_dir<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a ComposeFile> + 'a {
        self.compose_dir_index
            .get(dir)
            .into_iter()
            .flatten()
            .map(move |&i| &self.compose[i])
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Evidence for a location: the file path and the trimmed source line. In generated text,
    /// the path and line are those of the hand-written line it came from, and the snippet is the
    /// generated line (the value as deployed).
    pub fn evidence(&self, id: FileId, loc: Location) -> Evidence {
        let file = self.file(id);
        let (path, line) = file
            .origins
            .as_ref()
            .and_then(|o| o.of(loc.line))
            .unwrap_or((file.path.as_str(), loc.line));
        let text = file.line_text(loc.line).trim();
        let snippet = if text.chars().count() > SNIPPET_MAX {
            let cut: String = text.chars().take(SNIPPET_MAX).collect();
            format!("{cut}…")
        } else {
            text.to_string()
        };
        Evidence {
            file: path.to_string(),
            line,
            column: loc.column,
            snippet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_offsets() {
        let f = SourceFile::new("a".into(), FileKind::Yaml, "ab\r\ncd\n\nxyz".into());
        assert_eq!(f.line_text(1), "ab");
        assert_eq!(f.line_text(2), "cd");
        assert_eq!(f.line_text(3), "");
        assert_eq!(f.line_text(4), "xyz");
        assert_eq!(f.line_text(9), "");
        assert_eq!(f.line_text(0), "");
        assert_eq!(f.location_of(5), Location::new(2, 2));
        assert_eq!(f.location_of(0), Location::new(1, 1));
        assert_eq!(f.location_of(8), Location::new(4, 1));
    }

    #[test]
    fn generated_lines_point_back() {
        let origins = LineOrigins {
            files: vec!["chart/templates/a.yaml".into()],
            lines: vec![Some((0, 7)), None],
        };
        let mut corpus = Corpus::default();
        corpus.files.push(SourceFile::generated(
            "chart".into(),
            "privileged: true\nx: 1\n".into(),
            origins,
        ));
        let e = corpus.evidence(FileId(0), Location::new(1, 13));
        assert_eq!(
            (e.file.as_str(), e.line, e.snippet.as_str()),
            ("chart/templates/a.yaml", 7, "privileged: true")
        );
        let e = corpus.evidence(FileId(0), Location::new(2, 1));
        assert_eq!((e.file.as_str(), e.line), ("chart", 2));
    }
}

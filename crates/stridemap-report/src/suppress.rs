//! Inline suppressions: `# stridemap:ignore[RULE-ID] reason` (or `// …` in JavaScript,
//! TypeScript, Go and Java) on the offending line or the line above it, a comment on or above a
//! Kubernetes object's first line for the whole object, and the `stridemap.io/ignore`
//! annotation. Comments are not part of the parsed documents, so each file's already-loaded
//! text is searched once, when the suppressions are collected.

use std::collections::BTreeMap;
use stridemap_model::corpus::{FileKind, Language};
use stridemap_model::report::{Diagnostic, DiagnosticLevel};
use stridemap_model::{Corpus, FileId};

const MARKER: &str = "stridemap:ignore[";
/// The annotation that suppresses rules for a whole Kubernetes object.
pub const ANNOTATION: &str = "stridemap.io/ignore";

/// What a suppression covers: lines of one file, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    file: FileId,
    first: u32,
    last: u32,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    /// Upper-case rule ids.
    rules: Vec<String>,
    reason: Option<String>,
    via: &'static str,
    /// Where the suppression is written (`file:line`).
    at: String,
    covers: Vec<Span>,
    /// How many findings each rule id suppressed.
    used: Vec<usize>,
}

/// Every suppression of a scan, collected once from the corpus.
#[derive(Debug, Default)]
pub struct Suppressions {
    list: Vec<Suppression>,
    /// Reasonless suppressions and unknown rule ids.
    pub diagnostics: Vec<Diagnostic>,
}

/// The comment marker of a file kind; `None` for files without comments we read.
fn comment_marker(kind: FileKind) -> Option<&'static str> {
    match kind {
        FileKind::Yaml
        | FileKind::Dockerfile
        | FileKind::Properties
        | FileKind::Nginx
        // Terraform also takes `//`; `#` is its usual comment.
        | FileKind::Terraform
        | FileKind::Source(Language::Python) => Some("#"),
        FileKind::Source(Language::JavaScript | Language::TypeScript)
        | FileKind::Source(Language::Go | Language::Java) => Some("//"),
    }
}

/// Splits `ID1,ID2 reason` (ids separated by commas, optional spaces after them) into the ids
/// and the reason.
fn ids_and_reason(text: &str) -> (Vec<String>, Option<String>) {
    let mut ids = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        ids.push(rest[..end].to_ascii_uppercase());
        rest = &rest[end..];
        match rest.trim_start().strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None => break,
        }
    }
    (ids, clean_reason(rest))
}

fn clean_reason(text: &str) -> Option<String> {
    let reason = text
        .trim()
        .trim_start_matches([':', '-', '—'])
        .trim()
        .trim_end_matches("-->")
        .trim_end_matches("*/")
        .trim();
    (!reason.is_empty()).then(|| reason.to_string())
}

/// A `stridemap:ignore[…]` comment on a line: (ids, reason, whether the comment is the whole
/// line).
fn parse_comment(line: &str, marker: &str) -> Option<(Vec<String>, Option<String>, bool)> {
    let at = line.find(MARKER)?;
    let before = line[..at].trim_end();
    let comment_start = before.strip_suffix(marker)?;
    let whole_line = comment_start.trim().is_empty();
    let inside = &line[at + MARKER.len()..];
    let close = inside.find(']')?;
    let (ids, _) = ids_and_reason(&inside[..close]);
    Some((ids, clean_reason(&inside[close + 1..]), whole_line))
}

impl Suppressions {
    /// Reads the suppression comments of every file and the `stridemap.io/ignore` annotations
    /// of every Kubernetes object. `check_rule` returns `Err(hint)` for an id that names no
    /// rule (the hint may suggest one).
    pub fn collect(corpus: &Corpus, check_rule: &dyn Fn(&str) -> Result<(), String>) -> Self {
        let mut out = Suppressions::default();
        // Objects by file, with the lines they span: a comment above an object's first line
        // covers the whole object.
        let mut objects_in: BTreeMap<FileId, Vec<(u32, usize)>> = BTreeMap::new();
        for (i, o) in corpus.objects.iter().enumerate() {
            objects_in
                .entry(o.file)
                .or_default()
                .push((o.root.loc.line, i));
        }
        let object_spans: BTreeMap<usize, Span> = objects_in
            .iter()
            .flat_map(|(file, starts)| {
                let mut starts = starts.clone();
                starts.sort();
                let line_count = corpus.file(*file).line_count() as u32;
                let mut spans = Vec::new();
                for (k, &(first, i)) in starts.iter().enumerate() {
                    let last = starts[k + 1..]
                        .iter()
                        .map(|&(l, _)| l)
                        .find(|&l| l > first)
                        .map_or(line_count, |l| l - 1);
                    spans.push((
                        i,
                        Span {
                            file: *file,
                            first,
                            last,
                        },
                    ));
                }
                spans
            })
            .collect();

        for (index, source) in corpus.files.iter().enumerate() {
            let file = FileId(index as u32);
            let Some(marker) = comment_marker(source.kind) else {
                continue;
            };
            // Its comments are read in the generated file that holds its text.
            if source.superseded {
                continue;
            }
            if !source.text.contains(MARKER) {
                continue;
            }
            for (n, text) in source.text.lines().enumerate() {
                let line = n as u32 + 1;
                let Some((rules, reason, whole_line)) = parse_comment(text, marker) else {
                    continue;
                };
                let mut covers = vec![Span {
                    file,
                    first: line,
                    last: if whole_line { line + 1 } else { line },
                }];
                // On or just above an object's first line: the whole object.
                let object_line = if whole_line { line + 1 } else { line };
                if let Some(starts) = objects_in.get(&file) {
                    for &(first, i) in starts {
                        if first == object_line {
                            covers.push(object_spans[&i]);
                        }
                    }
                }
                out.add(
                    corpus,
                    check_rule,
                    rules,
                    reason,
                    "comment",
                    (file, line),
                    covers,
                );
            }
        }

        for (i, o) in corpus.objects.iter().enumerate() {
            let Some(value) = o.annotation(ANNOTATION) else {
                continue;
            };
            let line = o
                .metadata()
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(ANNOTATION))
                .map_or(o.root.loc.line, |v| v.loc.line);
            let (rules, reason) = ids_and_reason(value);
            out.add(
                corpus,
                check_rule,
                rules,
                reason,
                "annotation",
                (o.file, line),
                vec![object_spans[&i]],
            );
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        corpus: &Corpus,
        check_rule: &dyn Fn(&str) -> Result<(), String>,
        rules: Vec<String>,
        reason: Option<String>,
        via: &'static str,
        (file, line): (FileId, u32),
        covers: Vec<Span>,
    ) {
        let path = &corpus.file(file).path;
        let warn = |code: &str, message: String| {
            Diagnostic::new(DiagnosticLevel::Warning, code, path.clone(), message).at(line, 1)
        };
        if rules.is_empty() {
            self.diagnostics.push(warn(
                "suppression-syntax",
                "stridemap:ignore names no rule id: write `stridemap:ignore[RULE-ID] reason`"
                    .into(),
            ));
            return;
        }
        for id in &rules {
            if let Err(hint) = check_rule(id) {
                self.diagnostics.push(warn(
                    "suppression-unknown-rule",
                    format!("suppression names `{id}`, which is not a rule id{hint}"),
                ));
            }
        }
        if reason.is_none() {
            self.diagnostics.push(warn(
                "suppression-without-reason",
                format!(
                    "suppression of {} gives no reason; say why after the ids",
                    rules.join(", ")
                ),
            ));
        }
        self.list.push(Suppression {
            used: vec![0; rules.len()],
            rules,
            reason,
            via,
            at: format!("{path}:{line}"),
            covers,
        });
    }

    /// The suppression that covers a finding of `rule` at `line` of `file`, counting the use.
    pub fn claim(&mut self, rule: &str, file: FileId, line: u32) -> Option<&Suppression> {
        let found = self.list.iter_mut().find_map(|s| {
            let k = s.rules.iter().position(|r| r.eq_ignore_ascii_case(rule))?;
            s.covers
                .iter()
                .any(|c| c.file == file && (c.first..=c.last).contains(&line))
                .then_some((s, k))
        })?;
        let (s, k) = found;
        s.used[k] += 1;
        Some(s)
    }

    /// One warning per rule id of a suppression that suppressed nothing.
    pub fn unused(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in &self.list {
            let (path, line) = s.at.rsplit_once(':').expect("file:line");
            for (id, _) in s.rules.iter().zip(&s.used).filter(|(_, &n)| n == 0) {
                out.push(
                    Diagnostic::new(
                        DiagnosticLevel::Warning,
                        "unused-suppression",
                        path,
                        format!("suppression of {id} ({}) matches no finding", s.via),
                    )
                    .at(line.parse().unwrap_or(1), 1),
                );
            }
        }
        out
    }
}

impl Suppression {
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub fn via(&self) -> &'static str {
        self.via
    }

    pub fn at(&self) -> &str {
        &self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_syntax() {
        assert_eq!(
            parse_comment("  # stridemap:ignore[CTR-PRIVILEGED] node agent", "#"),
            Some((
                vec!["CTR-PRIVILEGED".to_string()],
                Some("node agent".to_string()),
                true
            ))
        );
        assert_eq!(
            parse_comment("privileged: true # stridemap:ignore[a, B-2]", "#"),
            Some((vec!["A".to_string(), "B-2".to_string()], None, false))
        );
        assert_eq!(
            parse_comment("x := 1 // stridemap:ignore[CODE-X]: legacy", "//"),
            Some((
                vec!["CODE-X".to_string()],
                Some("legacy".to_string()),
                false
            ))
        );
        // The marker must be inside a comment of the file's language.
        assert_eq!(parse_comment("value: stridemap:ignore[X] no", "#"), None);
        assert_eq!(parse_comment("# stridemap:ignore[X reason", "#"), None);
    }

    #[test]
    fn annotation_syntax() {
        assert_eq!(
            ids_and_reason("CTR-PRIVILEGED,NET-NO-POLICY  needs the host network"),
            (
                vec!["CTR-PRIVILEGED".to_string(), "NET-NO-POLICY".to_string()],
                Some("needs the host network".to_string())
            )
        );
        assert_eq!(
            ids_and_reason("A, B"),
            (vec!["A".to_string(), "B".to_string()], None)
        );
    }
}

//! Dockerfiles: split into logical instructions the way Docker reads them (line continuations,
//! parser directives, heredocs), then each instruction parsed by `dockerfile-parser`.
//!
//! Parsing instruction by instruction keeps one malformed line from losing the whole file: an
//! instruction the parser rejects is kept with its raw arguments and reported as a warning.

use dockerfile_parser::{Dockerfile as Parsed, Instruction as P, ShellOrExecExpr};
use stridemap_model::dockerfile::{Detail, Dockerfile, Instruction, KeyValue, Stage};
use stridemap_model::{FileId, Location, SourceFile};

use crate::budget::Budget;

/// A problem found while parsing, reported as a diagnostic by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub loc: Location,
    pub message: String,
}

struct Chunk {
    start: usize,
    end: usize,
    heredoc_body: Option<String>,
}

pub fn parse(file: FileId, source: &SourceFile) -> (Dockerfile, Vec<Warning>) {
    let (dockerfile, warnings, _) = parse_within(file, source, Budget::unlimited());
    (dockerfile, warnings)
}

/// [`parse`] within a time budget, checked between instructions: when it runs out, the
/// instructions read so far are kept and the location of the first one not read is returned.
pub fn parse_within(
    file: FileId,
    source: &SourceFile,
    budget: Budget,
) -> (Dockerfile, Vec<Warning>, Option<Location>) {
    let text = &source.text;
    let escape = escape_directive(text);
    let mut instructions = Vec::new();
    let mut warnings = Vec::new();
    let mut stopped_at = None;
    for chunk in split_instructions(text, escape) {
        let loc = source.location_of(chunk.start);
        // Each instruction goes through the grammar on its own; one check per instruction
        // bounds the overrun to the time of a single instruction.
        if budget.exceeded() {
            stopped_at = Some(loc);
            break;
        }
        let raw = &text[chunk.start..chunk.end];
        let end_line = source
            .location_of(chunk.end.saturating_sub(1).max(chunk.start))
            .line;
        let (keyword, args) = split_keyword(raw, escape);
        if keyword.is_empty() || !keyword.chars().all(|c| c.is_ascii_alphabetic()) {
            warnings.push(Warning {
                loc,
                message: format!("not a Dockerfile instruction: `{}`", first_line(raw)),
            });
            continue;
        }
        let detail = if let Some(body) = &chunk.heredoc_body {
            Detail::Command {
                text: body.clone(),
                exec_form: false,
            }
        } else {
            match parse_one(raw) {
                Some(parsed) => convert(parsed, source, chunk.start, &args),
                None => {
                    warnings.push(Warning { loc, message: format!("could not parse `{keyword}` instruction; its arguments are read as plain text") });
                    fallback_detail(&keyword, &args, loc)
                }
            }
        };
        instructions.push(Instruction {
            keyword,
            args,
            loc,
            end_line,
            stage: None,
            detail,
        });
    }
    let stages = assign_stages(&mut instructions);
    (
        Dockerfile {
            file,
            instructions,
            stages,
        },
        warnings,
        stopped_at,
    )
}

fn first_line(raw: &str) -> &str {
    raw.lines().next().unwrap_or("").trim()
}

/// `# escape=`` ` parser directive (only valid before any instruction or comment).
fn escape_directive(text: &str) -> char {
    for line in text.lines() {
        let t = line.trim();
        let Some(directive) = t.strip_prefix('#') else {
            break;
        };
        let d = directive.trim().to_ascii_lowercase();
        if let Some(value) = d
            .strip_prefix("escape")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
        {
            if value.trim() == "`" {
                return '`';
            }
        }
    }
    '\\'
}

fn ends_with_escape(line: &str, escape: char) -> bool {
    line.trim_end().ends_with(escape)
}

/// The heredoc delimiter of an instruction line (`RUN <<EOF`, `COPY <<-"END" /x`), if any.
fn heredoc_delimiter(line: &str) -> Option<(String, bool)> {
    let idx = line.find("<<")?;
    let rest = &line[idx + 2..];
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(['"', '\'']);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some((word, strip_tabs))
}

fn split_instructions(text: &str, escape: char) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut offset = 0;
    let mut current: Option<usize> = None;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if current.is_none() {
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            current = Some(line_start + (line.len() - line.trim_start().len()));
            let is_heredoc_cmd = matches!(
                trimmed
                    .split_whitespace()
                    .next()
                    .map(str::to_ascii_uppercase)
                    .as_deref(),
                Some("RUN" | "COPY" | "ADD")
            );
            if is_heredoc_cmd {
                if let Some((delim, _)) =
                    heredoc_delimiter(trimmed).filter(|_| !ends_with_escape(line, escape))
                {
                    let mut body = String::new();
                    for l in lines.by_ref() {
                        offset += l.len();
                        if l.trim() == delim {
                            break;
                        }
                        body.push_str(l);
                    }
                    chunks.push(Chunk {
                        start: current.take().unwrap(),
                        end: offset,
                        heredoc_body: Some(body),
                    });
                    continue;
                }
            }
        }
        if !ends_with_escape(line, escape)
            && !(trimmed.starts_with('#') && current.is_some_and(|c| c < line_start))
        {
            chunks.push(Chunk {
                start: current.take().unwrap(),
                end: line_start + line.trim_end().len(),
                heredoc_body: None,
            });
        }
    }
    if let Some(start) = current {
        chunks.push(Chunk {
            start,
            end: text.trim_end().len().max(start),
            heredoc_body: None,
        });
    }
    chunks
}

/// Keyword (upper case) and the arguments as one logical line.
fn split_keyword(raw: &str, escape: char) -> (String, String) {
    let mut logical = String::new();
    for (i, line) in raw.lines().enumerate() {
        let t = line.trim();
        if i > 0 && (t.starts_with('#') || t.is_empty()) {
            continue;
        }
        let t = t.strip_suffix(escape).unwrap_or(t).trim();
        if !logical.is_empty() && !t.is_empty() {
            logical.push(' ');
        }
        logical.push_str(t);
    }
    match logical.split_once(char::is_whitespace) {
        Some((k, rest)) => (k.to_ascii_uppercase(), rest.trim().to_string()),
        None => (logical.to_ascii_uppercase(), String::new()),
    }
}

fn parse_one(raw: &str) -> Option<P> {
    let parsed = Parsed::parse(raw).ok()?;
    let mut it = parsed.instructions.into_iter();
    let first = it.next()?;
    // More than one instruction means the parser split what Docker reads as one.
    it.next().is_none().then_some(first)
}

fn convert(parsed: P, source: &SourceFile, base: usize, args: &str) -> Detail {
    let at = |offset: usize| source.location_of(base + offset);
    match parsed {
        P::From(f) => Detail::From {
            image: f.image.content,
            alias: f.alias.map(|a| a.content),
        },
        P::Env(e) => Detail::Env(
            e.vars
                .into_iter()
                .map(|v| KeyValue {
                    key: v.key.content,
                    value: Some(unquote(&v.value.to_string())),
                    loc: at(v.span.start),
                })
                .collect(),
        ),
        P::Arg(a) => Detail::Arg(vec![KeyValue {
            key: a.name.content,
            value: a.value.map(|v| unquote(&v.content)),
            loc: at(a.span.start),
        }]),
        P::Label(l) => Detail::Label(
            l.labels
                .into_iter()
                .map(|l| KeyValue {
                    key: l.name.content,
                    value: Some(l.value.content),
                    loc: at(l.span.start),
                })
                .collect(),
        ),
        P::Run(r) => command(&r.expr),
        P::Cmd(c) => command(&c.expr),
        P::Entrypoint(e) => command(&e.expr),
        P::Copy(c) => Detail::Copy {
            flags: c
                .flags
                .into_iter()
                .map(|f| format!("--{}={}", f.name.content, f.value.content))
                .collect(),
            sources: c.sources.into_iter().map(|s| s.content).collect(),
            destination: c.destination.content,
        },
        P::Misc(m) => fallback_detail(&m.instruction.content.to_ascii_uppercase(), args, at(0)),
    }
}

fn command(expr: &ShellOrExecExpr) -> Detail {
    match expr {
        ShellOrExecExpr::Shell(s) => Detail::Command {
            text: s.to_string().trim().to_string(),
            exec_form: false,
        },
        ShellOrExecExpr::Exec(a) => Detail::Command {
            text: a.as_str_vec().join(" "),
            exec_form: true,
        },
    }
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

/// Arguments split on whitespace, or the JSON array form `["a", "b"]`.
fn words(args: &str) -> Vec<String> {
    if args.trim_start().starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(args.trim()) {
            return list;
        }
    }
    args.split_whitespace().map(unquote).collect()
}

/// Details for instructions the parser leaves as plain text (`ADD`, `USER`) or rejects.
fn fallback_detail(keyword: &str, args: &str, loc: Location) -> Detail {
    match keyword {
        "USER" => Detail::User {
            user: args.split_whitespace().next().unwrap_or("").to_string(),
        },
        "ADD" | "COPY" => {
            let (flags, mut paths): (Vec<String>, Vec<String>) =
                words(args).into_iter().partition(|w| w.starts_with("--"));
            let destination = paths.pop().unwrap_or_default();
            Detail::Copy {
                flags,
                sources: paths,
                destination,
            }
        }
        "RUN" | "CMD" | "ENTRYPOINT" => Detail::Command {
            text: args.to_string(),
            exec_form: args.trim_start().starts_with('['),
        },
        "ENV" | "ARG" | "LABEL" => {
            let pairs: Vec<KeyValue> = if keyword == "ENV"
                && !args.split_whitespace().next().unwrap_or("").contains('=')
            {
                // Legacy `ENV KEY value with spaces`.
                let (k, v) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                vec![KeyValue {
                    key: k.to_string(),
                    value: Some(unquote(v)),
                    loc,
                }]
            } else {
                words(args)
                    .into_iter()
                    .map(|w| match w.split_once('=') {
                        Some((k, v)) => KeyValue {
                            key: k.to_string(),
                            value: Some(unquote(v)),
                            loc,
                        },
                        None => KeyValue {
                            key: w,
                            value: None,
                            loc,
                        },
                    })
                    .collect()
            };
            match keyword {
                "ENV" => Detail::Env(pairs),
                "ARG" => Detail::Arg(pairs),
                _ => Detail::Label(pairs),
            }
        }
        "FROM" => {
            let w: Vec<String> = words(args)
                .into_iter()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let alias = match w.as_slice() {
                [_, as_kw, alias, ..] if as_kw.eq_ignore_ascii_case("as") => Some(alias.clone()),
                _ => None,
            };
            Detail::From {
                image: w.first().cloned().unwrap_or_default(),
                alias,
            }
        }
        _ => Detail::Other,
    }
}

fn assign_stages(instructions: &mut [Instruction]) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for (i, ins) in instructions.iter_mut().enumerate() {
        if let Detail::From { image, alias } = &ins.detail {
            if let Some(last) = stages.last_mut() {
                last.instructions.end = i;
            }
            stages.push(Stage {
                index: stages.len(),
                image: image.clone(),
                alias: alias.clone(),
                loc: ins.loc,
                instructions: i..i + 1,
            });
        }
        ins.stage = stages.last().map(|s| s.index);
    }
    let len = instructions.len();
    if let Some(last) = stages.last_mut() {
        last.instructions.end = len;
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::corpus::FileKind;

    fn parse_text(text: &str) -> (Dockerfile, Vec<Warning>) {
        let src = SourceFile::new("Dockerfile".into(), FileKind::Dockerfile, text.to_string());
        parse(FileId(0), &src)
    }

    #[test]
    fn instructions_stages_and_lines() {
        let (df, w) = parse_text("# syntax=docker/dockerfile:1\nARG BASE=python\nFROM python:3.11 AS build\nRUN apt-get update && \\\n    # comment\n    apt-get install -y curl\nENV A=1 \\\n    B=\"two words\"\nFROM scratch\nCOPY --from=build /app /app\nUSER 1000:1000\nADD https://example.com/x.tgz /tmp/\n");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].alias.as_deref(), Some("build"));
        assert_eq!(df.instructions[0].stage, None);
        let run = &df.instructions[2];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.loc.line, 4);
        assert_eq!(run.end_line, 6);
        assert!(
            matches!(&run.detail, Detail::Command { text, exec_form: false } if text.contains("apt-get install") && !text.contains("comment")),
            "{:?}",
            run.detail
        );
        let Detail::Env(vars) = &df.instructions[3].detail else {
            panic!()
        };
        assert_eq!(vars[1].key, "B");
        assert_eq!(vars[1].value.as_deref(), Some("two words"));
        assert_eq!(vars[1].loc.line, 8);
        assert_eq!(
            df.instructions[5].detail,
            Detail::Copy {
                flags: vec!["--from=build".into()],
                sources: vec!["/app".into()],
                destination: "/app".into()
            }
        );
        assert_eq!(
            df.instructions[6].detail,
            Detail::User {
                user: "1000:1000".into()
            }
        );
        let Detail::Copy { sources, .. } = &df.instructions[7].detail else {
            panic!()
        };
        assert_eq!(sources[0], "https://example.com/x.tgz");
    }

    #[test]
    fn bad_instruction_is_a_warning_and_the_rest_parses() {
        let (df, w) = parse_text("FROM alpine:3.19\n~~~\nLABEL a=\"multi\nline\"\nUSER app\n");
        assert!(!w.is_empty());
        assert!(df
            .instructions
            .iter()
            .any(|i| i.detail == Detail::User { user: "app".into() }));
    }

    #[test]
    fn heredoc_is_one_instruction() {
        let (df, w) = parse_text(
            "FROM alpine\nRUN <<EOF\ncurl https://x | sh\nUSER root\nEOF\nUSER nobody\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(
            df.instructions[2].detail,
            Detail::User {
                user: "nobody".into()
            }
        );
    }
}

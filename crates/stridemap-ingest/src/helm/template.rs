//! Go's text/template language: lexing and parsing into a tree whose every node knows the
//! template file and line it was written on.
//!
//! Supported: text and actions with `{{-`/`-}}` trimming, comments, pipelines, variables
//! (`:=`, `=`), fields and field chains on any operand, parenthesised pipelines, string, raw
//! string, rune, number, bool and nil literals, `if`/`else if`/`else`, `range` (with one or two
//! variables, `else`, `break`, `continue`), `with`/`else with`/`else`, `define`, `template`
//! and `block`.

use std::collections::BTreeMap;

/// Where a node was written: template file (index in the engine's file table) and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub enum Node {
    Text(String, Pos),
    Action(Pipe),
    If(Pipe, Vec<Node>, Vec<Node>),
    Range(Pipe, Vec<Node>, Vec<Node>),
    With(Pipe, Vec<Node>, Vec<Node>),
    Template(String, Option<Pipe>, Pos),
    Break(Pos),
    Continue(Pos),
}

#[derive(Debug, Clone)]
pub struct Pipe {
    pub decl: Vec<String>,
    /// `=` (assign to existing variables) rather than `:=`.
    pub assign: bool,
    pub cmds: Vec<Vec<Arg>>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub enum Arg {
    /// `.`
    Dot,
    /// `.A.B`
    Field(Vec<String>),
    /// `$x.A.B` (`$` alone is the root).
    Var(String, Vec<String>),
    /// A function name.
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `(pipeline).A.B`
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

/// A parsed file: its top-level nodes and the named templates it defines.
#[derive(Debug, Default)]
pub struct Parsed {
    pub root: Vec<Node>,
    pub defines: BTreeMap<String, Vec<Node>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// A field name; `true` when it is attached to the token before it (`$x.a`, `(…).a`, `.a.b`).
    Field(String, bool),
    Var(String),
    Dot,
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// One piece of template source: text, or the inside of an action.
enum Piece {
    Text(String, u32),
    Action(Vec<Tok>, u32),
}

fn err(file: u32, line: u32, message: impl Into<String>) -> ParseError {
    ParseError {
        pos: Pos { file, line },
        message: message.into(),
    }
}

/// Splits source into text and actions, applying trim markers and dropping comments.
fn pieces(src: &str, file: u32) -> Result<Vec<Piece>, ParseError> {
    let mut out: Vec<Piece> = Vec::new();
    let mut rest = src;
    let mut line = 1u32;
    let mut trim_next = false;
    while !rest.is_empty() {
        let Some(open) = rest.find("{{") else {
            let mut text = rest.to_string();
            if trim_next {
                let t = text.trim_start();
                line += count_lines(&text[..text.len() - t.len()]);
                text = t.to_string();
            }
            out.push(Piece::Text(text, line));
            break;
        };
        let mut text = &rest[..open];
        let mut text_line = line;
        line += count_lines(text);
        if trim_next {
            let t = text.trim_start();
            text_line += count_lines(&text[..text.len() - t.len()]);
            text = t;
        }
        let after = &rest[open + 2..];
        let trim_left = after.starts_with("- ")
            || after.starts_with("-\t")
            || after.starts_with("-\n")
            || after.starts_with("-\r");
        if trim_left {
            text = text.trim_end();
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_string(), text_line));
        }
        let body_start = if trim_left { &after[1..] } else { after };
        let action_line = line;
        // Comments: `{{/* … */}}`, possibly with trim markers.
        let trimmed = body_start.trim_start();
        if trimmed.starts_with("/*") {
            let end = trimmed
                .find("*/")
                .ok_or_else(|| err(file, line, "unclosed comment"))?;
            let tail = &trimmed[end + 2..];
            let tail_trim = tail.trim_start();
            let (trim_right, close) = if let Some(t) = tail_trim.strip_prefix("-}}") {
                (true, t)
            } else if let Some(t) = tail_trim.strip_prefix("}}") {
                (false, t)
            } else {
                return Err(err(file, line, "comment ends without closing delimiter"));
            };
            let consumed = &body_start[..body_start.len() - close.len()];
            line += count_lines(consumed);
            trim_next = trim_right;
            rest = close;
            continue;
        }
        let (toks, len, trim_right) = lex_action(body_start, file, line)?;
        line += count_lines(&body_start[..len]);
        out.push(Piece::Action(toks, action_line));
        trim_next = trim_right;
        rest = &body_start[len..];
    }
    Ok(out)
}

fn count_lines(s: &str) -> u32 {
    s.bytes().filter(|&b| b == b'\n').count() as u32
}

/// Lexes an action body; returns its tokens, the length consumed (through `}}`), and whether
/// it ended with a right trim marker.
fn lex_action(s: &str, file: u32, line: u32) -> Result<(Vec<Tok>, usize, bool), ParseError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut toks = Vec::new();
    let mut line = line;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            // ` -}}`
            if s[i..].trim_start().starts_with("-}}") {
                let ws = s[i..].len() - s[i..].trim_start().len();
                return Ok((toks, i + ws + 3, true));
            }
            i += 1;
            continue;
        }
        if s[i..].starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        match c {
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            ':' if s[i..].starts_with(":=") => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '"' => {
                let mut out = String::new();
                let mut j = i + 1;
                let chars: Vec<char> = s[j..].chars().collect();
                let mut k = 0;
                loop {
                    let Some(&ch) = chars.get(k) else {
                        return Err(err(file, line, "unterminated quoted string"));
                    };
                    k += 1;
                    match ch {
                        '"' => break,
                        '\n' => return Err(err(file, line, "unterminated quoted string")),
                        '\\' => {
                            let Some(&e) = chars.get(k) else {
                                return Err(err(file, line, "unterminated quoted string"));
                            };
                            k += 1;
                            match e {
                                'n' => out.push('\n'),
                                't' => out.push('\t'),
                                'r' => out.push('\r'),
                                '\\' => out.push('\\'),
                                '"' => out.push('"'),
                                '\'' => out.push('\''),
                                '0' => out.push('\0'),
                                'u' => {
                                    let hex: String =
                                        chars[k..(k + 4).min(chars.len())].iter().collect();
                                    k += 4;
                                    out.extend(
                                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32),
                                    );
                                }
                                other => {
                                    out.push('\\');
                                    out.push(other);
                                }
                            }
                        }
                        other => out.push(other),
                    }
                }
                j += chars[..k].iter().map(|c| c.len_utf8()).sum::<usize>();
                toks.push(Tok::Str(out));
                i = j;
            }
            '`' => {
                let end = s[i + 1..]
                    .find('`')
                    .ok_or_else(|| err(file, line, "unterminated raw string"))?;
                let text = &s[i + 1..i + 1 + end];
                line += count_lines(text);
                toks.push(Tok::Str(text.to_string()));
                i += end + 2;
            }
            '\'' => {
                let rest: Vec<char> = s[i + 1..].chars().take(3).collect();
                let (ch, len) = match rest.as_slice() {
                    ['\\', e, '\''] => (
                        match e {
                            'n' => '\n',
                            't' => '\t',
                            other => *other,
                        },
                        2 + e.len_utf8(),
                    ),
                    [c, '\'', ..] => (*c, c.len_utf8()),
                    _ => return Err(err(file, line, "malformed character constant")),
                };
                toks.push(Tok::Int(ch as i64));
                i += 1 + len + 1;
            }
            '.' if !s[i + 1..].starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                toks.push(Tok::Dot);
                i += 1;
            }
            '.' | '$' => {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let name = s[start + 1..i].to_string();
                let attached = start > 0
                    && (bytes[start - 1].is_ascii_alphanumeric()
                        || matches!(bytes[start - 1], b'_' | b')' | b'$')
                        || bytes[start - 1] >= 0x80);
                toks.push(if c == '.' {
                    Tok::Field(name, attached)
                } else {
                    Tok::Var(name)
                });
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+')
                    && s[i + 1..].starts_with(|d: char| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'.'
                        || bytes[i] == b'_'
                        || ((bytes[i] == b'-' || bytes[i] == b'+')
                            && matches!(bytes[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                let text = s[start..i].replace('_', "");
                let tok = if let Some(hex) =
                    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
                {
                    i64::from_str_radix(hex, 16).ok().map(Tok::Int)
                } else {
                    text.parse::<i64>()
                        .ok()
                        .map(Tok::Int)
                        .or_else(|| text.parse::<f64>().ok().map(Tok::Float))
                };
                toks.push(
                    tok.ok_or_else(|| err(file, line, format!("bad number syntax: {text}")))?,
                );
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                toks.push(Tok::Ident(s[start..i].to_string()));
            }
            other => return Err(err(file, line, format!("unexpected {other:?} in action"))),
        }
    }
    Err(err(file, line, "unclosed action"))
}

/// Parses a template file (`file` is its index in the engine's file table).
pub fn parse(src: &str, file: u32) -> Result<Parsed, ParseError> {
    let pieces = pieces(src, file)?;
    let mut parser = Parser {
        pieces: pieces.into_iter().peekable(),
        file,
        defines: BTreeMap::new(),
    };
    let (root, end) = parser.list()?;
    if let Some((word, line)) = end {
        return Err(err(file, line, format!("unexpected {{{{{word}}}}}")));
    }
    Ok(Parsed {
        root,
        defines: parser.defines,
    })
}

struct Parser {
    pieces: std::iter::Peekable<std::vec::IntoIter<Piece>>,
    file: u32,
    defines: BTreeMap<String, Vec<Node>>,
}

/// How a list ended: `end`, or `else` with the tokens after it.
type Ending = Option<(String, u32)>;

impl Parser {
    fn pos(&self, line: u32) -> Pos {
        Pos {
            file: self.file,
            line,
        }
    }

    /// Nodes up to a closing keyword (`end`, `else …`), which is returned with the rest of its
    /// tokens stashed in `self.else_toks`.
    fn list(&mut self) -> Result<(Vec<Node>, Ending), ParseError> {
        self.list_inner().map(|(nodes, end, _)| (nodes, end))
    }

    fn list_inner(&mut self) -> Result<(Vec<Node>, Ending, Vec<Tok>), ParseError> {
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.next() {
            match piece {
                Piece::Text(t, line) => nodes.push(Node::Text(t, self.pos(line))),
                Piece::Action(toks, line) => {
                    let keyword = match toks.first() {
                        Some(Tok::Ident(k)) => k.as_str(),
                        _ => "",
                    };
                    match keyword {
                        "end" => return Ok((nodes, Some(("end".into(), line)), Vec::new())),
                        "else" => {
                            return Ok((nodes, Some(("else".into(), line)), toks[1..].to_vec()))
                        }
                        "if" | "with" | "range" => {
                            let node = self.branch(keyword, &toks[1..], line)?;
                            nodes.push(node);
                        }
                        "define" => {
                            let name = match toks.get(1) {
                                Some(Tok::Str(s)) => s.clone(),
                                _ => {
                                    return Err(err(self.file, line, "define needs a quoted name"))
                                }
                            };
                            let (body, end) = self.list()?;
                            if end.as_ref().map(|e| e.0.as_str()) != Some("end") {
                                return Err(err(
                                    self.file,
                                    line,
                                    format!("define {name:?} is not closed with {{{{end}}}}"),
                                ));
                            }
                            self.defines.insert(name, body);
                        }
                        "block" => {
                            let name = match toks.get(1) {
                                Some(Tok::Str(s)) => s.clone(),
                                _ => return Err(err(self.file, line, "block needs a quoted name")),
                            };
                            let pipe = self.pipe(&toks[2..], line)?;
                            let (body, _) = self.list()?;
                            self.defines.insert(name.clone(), body);
                            nodes.push(Node::Template(name, Some(pipe), self.pos(line)));
                        }
                        "template" => {
                            let name = match toks.get(1) {
                                Some(Tok::Str(s)) => s.clone(),
                                _ => {
                                    return Err(err(
                                        self.file,
                                        line,
                                        "template needs a quoted name",
                                    ))
                                }
                            };
                            let pipe = if toks.len() > 2 {
                                Some(self.pipe(&toks[2..], line)?)
                            } else {
                                None
                            };
                            nodes.push(Node::Template(name, pipe, self.pos(line)));
                        }
                        "break" => nodes.push(Node::Break(self.pos(line))),
                        "continue" => nodes.push(Node::Continue(self.pos(line))),
                        _ => nodes.push(Node::Action(self.pipe(&toks, line)?)),
                    }
                }
            }
        }
        Ok((nodes, None, Vec::new()))
    }

    fn branch(&mut self, keyword: &str, toks: &[Tok], line: u32) -> Result<Node, ParseError> {
        let pipe = self.pipe(toks, line)?;
        let (body, end, rest) = self.list_inner()?;
        let else_body = match end {
            Some((ref w, _)) if w == "end" => Vec::new(),
            Some((_, else_line)) => {
                if let Some(Tok::Ident(k)) = rest.first().filter(|_| !rest.is_empty()) {
                    if (k == "if" || k == "with") && keyword != "range" {
                        // `else if` / `else with`: a nested branch sharing this one's `end`.
                        let nested = self.branch(&k.clone(), &rest[1..], else_line)?;
                        vec![nested]
                    } else {
                        return Err(err(self.file, else_line, "unexpected tokens after else"));
                    }
                } else {
                    let (else_nodes, end) = self.list()?;
                    if end.as_ref().map(|e| e.0.as_str()) != Some("end") {
                        return Err(err(
                            self.file,
                            line,
                            format!("{{{{{keyword}}}}} is not closed with {{{{end}}}}"),
                        ));
                    }
                    else_nodes
                }
            }
            None => {
                return Err(err(
                    self.file,
                    line,
                    format!("{{{{{keyword}}}}} is not closed with {{{{end}}}}"),
                ))
            }
        };
        Ok(match keyword {
            "if" => Node::If(pipe, body, else_body),
            "with" => Node::With(pipe, body, else_body),
            _ => Node::Range(pipe, body, else_body),
        })
    }

    fn pipe(&self, toks: &[Tok], line: u32) -> Result<Pipe, ParseError> {
        let mut decl = Vec::new();
        let mut assign = false;
        let mut rest = toks;
        // `$x :=`, `$x =`, `$i, $v :=`
        let mut i = 0;
        let mut vars = Vec::new();
        while let Some(Tok::Var(v)) = toks.get(i) {
            vars.push(v.clone());
            match toks.get(i + 1) {
                Some(Tok::Comma) => i += 2,
                Some(Tok::Declare) | Some(Tok::Assign) => {
                    assign = toks[i + 1] == Tok::Assign;
                    decl = vars.iter().map(|v| format!("${v}")).collect();
                    rest = &toks[i + 2..];
                    break;
                }
                _ => break,
            }
        }
        let mut cmds = Vec::new();
        let mut pos = 0;
        while pos < rest.len() {
            let (cmd, used) = self.command(&rest[pos..], line)?;
            cmds.push(cmd);
            pos += used;
            match rest.get(pos) {
                Some(Tok::Pipe) if pos + 1 < rest.len() => pos += 1,
                Some(Tok::Pipe) => return Err(err(self.file, line, "missing command after |")),
                None => {}
                Some(t) => {
                    return Err(err(
                        self.file,
                        line,
                        format!("unexpected {t:?} in pipeline"),
                    ))
                }
            }
        }
        if cmds.is_empty() {
            return Err(err(self.file, line, "missing value for command"));
        }
        Ok(Pipe {
            decl,
            assign,
            cmds,
            pos: self.pos(line),
        })
    }

    /// One command (operands up to `|`, `)` or the end); returns it and the tokens used.
    fn command(&self, toks: &[Tok], line: u32) -> Result<(Vec<Arg>, usize), ParseError> {
        let mut args = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let arg = match &toks[i] {
                Tok::Pipe | Tok::RParen => break,
                Tok::Dot => Arg::Dot,
                Tok::Field(f, _) => {
                    let mut chain = vec![f.clone()];
                    while let Some(Tok::Field(next, true)) = toks.get(i + 1) {
                        chain.push(next.clone());
                        i += 1;
                    }
                    Arg::Field(chain)
                }
                Tok::Var(v) => {
                    let mut chain = Vec::new();
                    while let Some(Tok::Field(next, true)) = toks.get(i + 1) {
                        chain.push(next.clone());
                        i += 1;
                    }
                    Arg::Var(format!("${v}"), chain)
                }
                Tok::Str(s) => Arg::Str(s.clone()),
                Tok::Int(n) => Arg::Int(*n),
                Tok::Float(f) => Arg::Float(*f),
                Tok::Ident(id) => match id.as_str() {
                    "true" => Arg::Bool(true),
                    "false" => Arg::Bool(false),
                    "nil" => Arg::Nil,
                    _ => Arg::Ident(id.clone()),
                },
                Tok::LParen => {
                    let close = matching_paren(toks, i)
                        .ok_or_else(|| err(self.file, line, "unclosed left paren"))?;
                    let inner = self.pipe(&toks[i + 1..close], line)?;
                    i = close;
                    let mut chain = Vec::new();
                    while let Some(Tok::Field(next, true)) = toks.get(i + 1) {
                        chain.push(next.clone());
                        i += 1;
                    }
                    Arg::Sub(Box::new(inner), chain)
                }
                other => {
                    return Err(err(
                        self.file,
                        line,
                        format!("unexpected {other:?} in command"),
                    ))
                }
            };
            args.push(arg);
            i += 1;
        }
        if args.is_empty() {
            return Err(err(self.file, line, "empty command"));
        }
        Ok((args, i))
    }
}

fn matching_paren(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::LParen => depth += 1,
            Tok::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for src in [
            "{{",
            "{{ .Values.x",
            "{{ \"unterminated }}",
            "{{ `raw }}",
            "{{ 'ab' }}",
            "{{ ( .x }}",
            "{{ if }}{{ end }}",
            "{{ end }}",
            "{{ else }}",
            "{{ define }}",
            "{{/* unclosed comment }}",
            "{{ .a | }}",
            "{{ $x := }}",
            "{{- -}}",
            "text {{ range .x }} no end",
        ] {
            assert!(parse(src, 0).is_err(), "{src:?} parsed");
        }
        // Non-ASCII text in an action lexes on character boundaries (an unknown function is
        // reported when the template runs).
        for src in ["{{ é… ×÷ }}", "{{ \u{85}x }}", "{{ .a\u{a0} }}"] {
            let _ = parse(src, 0);
        }
    }

    #[test]
    fn positions_follow_lines() {
        let parsed = parse("a\n{{ .x }}\n\n{{ if .y }}\nb{{ end }}", 3).unwrap();
        let Node::Action(p) = &parsed.root[1] else {
            panic!()
        };
        assert_eq!(p.pos, Pos { file: 3, line: 2 });
        let Node::If(p, body, _) = &parsed.root[3] else {
            panic!()
        };
        assert_eq!(p.pos.line, 4);
        let Node::Text(t, pos) = &body[0] else {
            panic!()
        };
        assert_eq!((t.as_str(), pos.line), ("\nb", 4));
    }
}

//! NGINX configuration files and ConfigMap values, parsed with `nginx-lint-parser`.

use nginx_lint_parser::ast::{ConfigItem, Directive};
use stridemap_model::nginx::NginxDirective;
use stridemap_model::Location;

use crate::budget::{Budget, Meter};

/// Directives that only NGINX configurations have: a `.conf` file without any is something else.
const NGINX_MARKERS: &[&str] = &[
    "server",
    "location",
    "upstream",
    "proxy_pass",
    "http",
    "listen",
    "grpc_pass",
    "fastcgi_pass",
    "stream",
];

fn convert(d: &Directive, line_offset: u32) -> NginxDirective {
    NginxDirective {
        name: d.name.clone(),
        args: join_args(&d.args),
        loc: Location::new(
            d.span.start.line as u32 + line_offset,
            d.span.start.column as u32,
        ),
        block: d
            .block
            .as_ref()
            .map(|b| {
                b.items
                    .iter()
                    .filter_map(|i| directive(i, line_offset))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The parser splits a word at every variable (`http://$host$uri` arrives as three
/// arguments); pieces that touch in the source are one argument. Variables keep their `$`,
/// quoted strings lose their quotes.
fn join_args(args: &[nginx_lint_parser::ast::Argument]) -> Vec<String> {
    use nginx_lint_parser::ast::ArgumentValue;
    let mut out: Vec<String> = Vec::new();
    let mut prev_end: Option<usize> = None;
    for a in args {
        let text = match &a.value {
            ArgumentValue::Variable(_) => a.raw.clone(),
            _ => a.as_str().to_string(),
        };
        match (out.last_mut(), prev_end) {
            (Some(last), Some(end)) if end == a.span.start.offset => last.push_str(&text),
            _ => out.push(text),
        }
        prev_end = Some(a.span.end.offset);
    }
    out
}

fn directive(item: &ConfigItem, line_offset: u32) -> Option<NginxDirective> {
    match item {
        ConfigItem::Directive(d) => Some(convert(d, line_offset)),
        _ => None,
    }
}

/// What [`parse_within`] made of a text.
#[derive(Debug)]
pub enum Parsed {
    Config(Vec<NginxDirective>),
    /// It parses, but has none of the directives only NGINX configurations have.
    NotNginx,
    /// The time budget ran out (at this location); nothing is kept, since a configuration read
    /// in part would look as if it lacked the directives that were not reached.
    OverBudget(Location),
}

/// Parses `text` (whose first line is `line_offset + 1` in its file). `Ok(None)` when it parses
/// but is not an NGINX configuration.
pub fn parse(
    text: &str,
    line_offset: u32,
) -> Result<Option<Vec<NginxDirective>>, (Location, String)> {
    match parse_within(text, line_offset, Budget::unlimited())? {
        Parsed::Config(directives) => Ok(Some(directives)),
        Parsed::NotNginx | Parsed::OverBudget(_) => Ok(None),
    }
}

/// [`parse`] within a time budget. The parser is one call that cannot be interrupted; it is
/// linear in the input once the nesting is bounded, so the budget is checked before it, after
/// it and while its tree is converted.
pub fn parse_within(
    text: &str,
    line_offset: u32,
    budget: Budget,
) -> Result<Parsed, (Location, String)> {
    // The parser recurses per block (and slows down quadratically): refuse absurd nesting first.
    if let Some(line) = nested_deeper_than(text, MAX_BLOCK_DEPTH) {
        return Err((
            Location::new(line_offset + line, 1),
            format!("blocks nested deeper than {MAX_BLOCK_DEPTH} levels; the file is not read"),
        ));
    }
    let start = Location::new(line_offset + 1, 1);
    if budget.exceeded() {
        return Ok(Parsed::OverBudget(start));
    }
    let config = nginx_lint_parser::parse_string(text)
        .map_err(|e| (Location::new(line_offset + 1, 1), e.to_string()))?;
    let mut meter = Meter::new(budget, 64);
    let mut directives = Vec::with_capacity(config.items.len());
    for item in &config.items {
        if meter.over() {
            let at = match item {
                ConfigItem::Directive(d) => {
                    Location::new(d.span.start.line as u32 + line_offset, 1)
                }
                _ => start,
            };
            return Ok(Parsed::OverBudget(at));
        }
        directives.extend(directive(item, line_offset));
    }
    if budget.exceeded() {
        return Ok(Parsed::OverBudget(start));
    }
    let mut is_nginx = false;
    fn scan(ds: &[NginxDirective], found: &mut bool) {
        for d in ds {
            *found |= NGINX_MARKERS.contains(&d.name.as_str());
            scan(&d.block, found);
        }
    }
    scan(&directives, &mut is_nginx);
    Ok(if is_nginx {
        Parsed::Config(directives)
    } else {
        Parsed::NotNginx
    })
}

/// Real configurations nest a handful of blocks (`http` → `server` → `location` → `if`).
pub const MAX_BLOCK_DEPTH: usize = 64;

/// The 1-based line where `{` blocks first nest deeper than `max` (outside quotes and comments).
fn nested_deeper_than(text: &str, max: usize) -> Option<u32> {
    let (mut depth, mut line) = (0usize, 1u32);
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                continue;
            }
            (Some(_), '\\') => {
                if chars.next() == Some('\n') {
                    line += 1;
                }
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            (None, '{') => {
                depth += 1;
                if depth > max {
                    return Some(line);
                }
            }
            (None, '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives_with_lines() {
        let ds = parse("events {}\nhttp {\n  upstream api { server api:8080; }\n  server {\n    location / { proxy_pass http://api; }\n  }\n}\n", 0).unwrap().unwrap();
        let http = &ds[1];
        assert_eq!(http.name, "http");
        let server = &http.block[1];
        assert_eq!(server.block[0].block[0].args, vec!["http://api"]);
        assert_eq!(server.block[0].block[0].loc.line, 5);
        assert_eq!(parse("[section]\nkey = value\n", 0).ok().flatten(), None);
        let ds = parse("server { location / { proxy_pass http://$host$request_uri; add_header X \"a b\" always; } }\n", 0).unwrap().unwrap();
        let location = &ds[0].block[0];
        assert_eq!(location.block[0].args, vec!["http://$host$request_uri"]);
        assert_eq!(location.block[1].args, vec!["X", "a b", "always"]);
    }

    #[test]
    fn absurd_nesting_is_refused_with_its_line() {
        let text = format!("# {{{{{{\nevents {{}}\n{}", "http { \"{\" ".repeat(100_000));
        let (loc, message) = parse(&text, 10).unwrap_err();
        assert_eq!(loc.line, 13);
        assert!(message.contains("deeper than 64"), "{message}");
        assert!(parse(&"a { ".repeat(64), 0).is_err_and(|(_, m)| !m.contains("deeper")));
    }
}

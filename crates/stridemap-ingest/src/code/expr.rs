//! Building [`Expr`] values: normalised concatenation, printf-style and `str.format` templates,
//! escape decoding. Language-independent; the language modules turn nodes into parts.

use stridemap_model::code::Expr;

/// Longest source text kept in an `Expr::Unknown`.
const UNKNOWN_MAX: usize = 60;

/// Source text for `Expr::Unknown`: whitespace collapsed, shortened with `…`.
pub fn short_text(text: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if out.chars().count() >= UNKNOWN_MAX {
            out.push('…');
            break;
        }
    }
    out
}

/// Concatenation of parts: nested concatenations flattened, adjacent literals merged, empty
/// literals dropped; one part stays itself.
pub fn concat(parts: Vec<Expr>) -> Expr {
    let mut out: Vec<Expr> = Vec::with_capacity(parts.len());
    let mut stack: Vec<Expr> = parts.into_iter().rev().collect();
    while let Some(p) = stack.pop() {
        match p {
            Expr::Concat { parts } => stack.extend(parts.into_iter().rev()),
            Expr::Literal { value } if value.is_empty() => {}
            Expr::Literal { value } => {
                if let Some(Expr::Literal { value: prev }) = out.last_mut() {
                    prev.push_str(&value);
                } else {
                    out.push(Expr::Literal { value });
                }
            }
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Expr::literal(""),
        1 => out.pop().unwrap_or_else(|| Expr::literal("")),
        _ => Expr::Concat { parts: out },
    }
}

/// The literal value of an expression, if it is one.
pub fn as_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Literal { value } => Some(value),
        _ => None,
    }
}

/// The default of an environment read: the value the code falls back to, as far as it is known
/// without any environment (a nested env read contributes its own default).
pub fn default_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Unknown { .. } => None,
        other => other.resolve(&|_| None),
    }
}

/// An env read with a fallback: `os.environ.get("X", d)`, `process.env.X || d`.
pub fn with_default(env: Expr, default: &Expr) -> Expr {
    match env {
        Expr::Env {
            name,
            default: None,
        } => Expr::Env {
            name,
            default: default_of(default),
        },
        other => other,
    }
}

/// A printf-style template (`%s`, `%d`, `%v`, `%05.2f`, `%[1]s`, `%1$s`, `%%`) filled with
/// `args`; conversions without an argument become unknown.
pub fn printf(fmt: &str, args: &[Expr]) -> Expr {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        // Spec: [index] flags width precision length conversion.
        let mut spec = String::from("%");
        let mut explicit: Option<usize> = None;
        let mut digits = String::new();
        let mut conv = None;
        while let Some(&d) = chars.peek() {
            chars.next();
            spec.push(d);
            match d {
                '[' => {
                    let mut n = String::new();
                    while let Some(&x) = chars.peek() {
                        chars.next();
                        spec.push(x);
                        if x == ']' {
                            break;
                        }
                        n.push(x);
                    }
                    explicit = n.parse::<usize>().ok().map(|i| i.saturating_sub(1));
                }
                '$' => {
                    explicit = digits.parse::<usize>().ok().map(|i| i.saturating_sub(1));
                    digits.clear();
                }
                '0'..='9' => digits.push(d),
                '-' | '+' | ' ' | '#' | '.' | '*' | ',' | '(' | 'h' | 'l' | 'L' => {
                    if d == '.' {
                        digits.clear();
                    }
                }
                _ if d.is_ascii_alphabetic() => {
                    conv = Some(d);
                    break;
                }
                _ => break,
            }
            if spec.len() > 16 {
                break;
            }
        }
        if conv.is_none() {
            lit.push_str(&spec);
            continue;
        }
        if !lit.is_empty() {
            parts.push(Expr::literal(std::mem::take(&mut lit)));
        }
        let i = explicit.unwrap_or_else(|| {
            let i = next;
            next += 1;
            i
        });
        if explicit.is_some() {
            next = i + 1;
        }
        parts.push(args.get(i).cloned().unwrap_or_else(|| Expr::unknown(spec)));
    }
    if !lit.is_empty() {
        parts.push(Expr::literal(lit));
    }
    concat(parts)
}

/// Python `str.format` / `"{}".format(...)`: `{}`, `{0}`, `{name}`, `{{`, `}}`; format specs and
/// conversions are ignored; fields with attribute or index access become unknown.
pub fn brace_format(fmt: &str, positional: &[Expr], named: &[(String, Expr)]) -> Expr {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut field = String::new();
                for x in chars.by_ref() {
                    if x == '}' {
                        break;
                    }
                    field.push(x);
                }
                let name = field.split([':', '!']).next().unwrap_or("").trim();
                if !lit.is_empty() {
                    parts.push(Expr::literal(std::mem::take(&mut lit)));
                }
                let value = if name.is_empty() {
                    let v = positional.get(auto).cloned();
                    auto += 1;
                    v
                } else if let Ok(i) = name.parse::<usize>() {
                    positional.get(i).cloned()
                } else {
                    named
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, e)| e.clone())
                };
                parts.push(value.unwrap_or_else(|| Expr::unknown(format!("{{{field}}}"))));
            }
            other => lit.push(other),
        }
    }
    if !lit.is_empty() {
        parts.push(Expr::literal(lit));
    }
    concat(parts)
}

/// Decodes the common backslash escapes of a string literal body (`\n`, `\t`, `\\`, `\"`,
/// `\'`, `\/`, `\xNN`, `\uNNNN`, `\u{N}`); anything else is kept as written.
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' | '"' | '\'' | '/' | '`' | '$' | '{' | '}' => out.push(e),
            '\n' => {}
            'x' | 'u' => {
                let braced = e == 'u' && chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let want = if e == 'x' { 2 } else { 4 };
                let mut hex = String::new();
                while let Some(&h) = chars.peek() {
                    if braced && h == '}' {
                        chars.next();
                        break;
                    }
                    if !h.is_ascii_hexdigit() || (!braced && hex.len() == want) || hex.len() > 6 {
                        break;
                    }
                    hex.push(h);
                    chars.next();
                }
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(e);
                        out.push_str(&hex);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// A list of addresses (Kafka brokers, NATS servers): one element is itself, several are
/// joined with commas.
pub fn join_list(items: Vec<Expr>) -> Option<Expr> {
    let mut parts = Vec::new();
    for (i, e) in items.into_iter().enumerate() {
        if i > 0 {
            parts.push(Expr::literal(","));
        }
        parts.push(e);
    }
    if parts.is_empty() {
        None
    } else {
        Some(concat(parts))
    }
}

/// Host and optional port as one address.
pub fn host_port(host: Expr, port: Option<Expr>) -> Expr {
    match port {
        Some(p) => concat(vec![host, Expr::literal(":"), p]),
        None => host,
    }
}

/// Spring-style placeholder `${name:default}` → an environment read: the name in the form of
/// the environment variable that overrides it (relaxed binding: `orders.base-url` →
/// `ORDERS_BASEURL`), with the default after the first `:`. Text around the placeholder is kept.
pub fn spring_placeholder(text: &str) -> Option<Expr> {
    let start = text.find("${")?;
    let rest = &text[start + 2..];
    // Find the matching close brace (defaults may contain `${...}` themselves).
    let mut depth = 1usize;
    let mut close = None;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if bytes[i] == b'}' {
            depth -= 1;
            if depth == 0 {
                close = Some(i);
                break;
            }
        }
        i += 1;
    }
    let close = close?;
    let inner = &rest[..close];
    let (name, default) = match inner.find(':') {
        Some(i) => (&inner[..i], Some(&inner[i + 1..])),
        None => (inner, None),
    };
    let env_name: String = name
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| match c {
            '.' | '[' | ']' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let default = default.map(|d| match spring_placeholder(d) {
        Some(e) => default_of(&e).unwrap_or_default(),
        None => d.to_string(),
    });
    let env = Expr::Env {
        name: env_name,
        default,
    };
    let before = &text[..start];
    let after = &rest[close + 1..];
    let tail = if after.contains("${") {
        spring_placeholder(after).unwrap_or_else(|| Expr::literal(after))
    } else {
        Expr::literal(after)
    };
    Some(concat(vec![Expr::literal(before), env, tail]))
}

/// Whether a string looks like an environment variable name (`ORDERS_URL`).
pub fn looks_like_env_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s.chars().next().is_some_and(|c| !c.is_ascii_digit())
}

/// Whether a function name is a conventional env helper (`getEnv("X", "d")`, `env_or(...)`,
/// `get_env_var`), whose first argument is the variable and second the default.
pub fn is_env_helper(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        n.as_str(),
        "getenv"
            | "env"
            | "envor"
            | "getenvor"
            | "getenvordefault"
            | "envordefault"
            | "getenvdefault"
            | "getenvwithdefault"
            | "envwithdefault"
            | "getenvvar"
            | "envvar"
            | "getenvvariable"
            | "lookupenvordefault"
            | "mustgetenv"
            | "mustenv"
            | "requireenv"
            | "getenvstring"
            | "envstring"
            | "readenv"
            | "fromenv"
    )
}

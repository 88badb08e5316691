//! Go template built-ins, the Sprig functions charts commonly use, and Helm's own (`toYaml`,
//! `fromYaml`, `toJson`, `fromJson`, `required`, `fail`, `lookup`). `include` and `tpl` need the
//! engine and live in `exec.rs`.
//!
//! Functions that read the clock or randomness return fixed values, so that a scan is
//! deterministic: `now` is the Unix epoch, `randAlphaNum n` is `n` `x`s, `uuidv4` is all zeros.

use super::value::{go_float, scalar, V};
use crate::yaml::{parse_documents, YamlLimits};
use sha2::Digest;
use std::collections::BTreeMap;

/// Every function [`call`] knows, for documentation and tests.
pub const SUPPORTED: &[&str] = &[
    // Go text/template
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "html",
    "js",
    "urlquery",
    "slice",
    // Helm
    "include",
    "tpl",
    "required",
    "fail",
    "toYaml",
    "fromYaml",
    "fromYamlArray",
    "toJson",
    "fromJson",
    "fromJsonArray",
    "lookup",
    // Sprig: defaults and logic
    "default",
    "empty",
    "coalesce",
    "ternary",
    "all",
    "any",
    // Sprig: strings
    "quote",
    "squote",
    "upper",
    "lower",
    "title",
    "untitle",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "replace",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "indent",
    "nindent",
    "trunc",
    "abbrev",
    "substr",
    "repeat",
    "nospace",
    "cat",
    "join",
    "split",
    "splitList",
    "splitn",
    "toString",
    "toStrings",
    "kebabcase",
    "snakecase",
    "camelcase",
    "wrap",
    "plural",
    "regexMatch",
    "regexFind",
    "regexFindAll",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "regexSplit",
    "b64enc",
    "b64dec",
    "sha256sum",
    "adler32sum",
    "randAlphaNum",
    "randAlpha",
    "randNumeric",
    "randAscii",
    "uuidv4",
    "now",
    "date",
    "dateInZone",
    "htmlDate",
    // Sprig: numbers
    "int",
    "int64",
    "float64",
    "atoi",
    "add",
    "add1",
    "sub",
    "mul",
    "div",
    "mod",
    "max",
    "min",
    "floor",
    "ceil",
    "round",
    "until",
    "untilStep",
    "seq",
    // Sprig: lists
    "list",
    "first",
    "last",
    "rest",
    "initial",
    "append",
    "mustAppend",
    "prepend",
    "concat",
    "uniq",
    "has",
    "without",
    "compact",
    "reverse",
    "sortAlpha",
    // Sprig: dictionaries
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "keys",
    "values",
    "pluck",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "deepCopy",
    "dig",
    // Sprig: types and versions
    "typeOf",
    "kindOf",
    "kindIs",
    "typeIs",
    "semverCompare",
    "semver",
];

type R = Result<V, String>;

fn s(v: &V) -> String {
    v.to_go_string()
}

fn arg<'a>(args: &'a [V], i: usize, name: &str) -> Result<&'a V, String> {
    args.get(i).ok_or_else(|| {
        format!(
            "wrong number of args for {name}: want at least {} got {}",
            i + 1,
            args.len()
        )
    })
}

fn int(v: &V) -> i64 {
    match v {
        V::Int(i) => *i,
        V::Float(f) => *f as i64,
        V::Bool(b) => *b as i64,
        V::Str(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f as i64))
            .unwrap_or(0),
        _ => 0,
    }
}

fn float(v: &V) -> f64 {
    match v {
        V::Int(i) => *i as f64,
        V::Float(f) => *f,
        V::Str(s) => s.trim().parse().unwrap_or(0.0),
        V::Bool(b) => *b as i64 as f64,
        _ => 0.0,
    }
}

fn list(v: &V) -> Vec<V> {
    match v {
        V::List(l) => l.clone(),
        V::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Numbers combine as integers unless one is a float.
fn arith(args: &[V], name: &str, i: fn(i64, i64) -> Option<i64>, f: fn(f64, f64) -> f64) -> R {
    let first = arg(args, 0, name)?;
    let mut any_float = matches!(first, V::Float(_));
    let mut acc_i = int(first);
    let mut acc_f = float(first);
    for a in &args[1..] {
        any_float |= matches!(a, V::Float(_));
        acc_f = f(acc_f, float(a));
        acc_i = i(acc_i, int(a)).ok_or_else(|| format!("{name}: division by zero"))?;
    }
    // Sprig converts to int64 for add/sub/mul/div/mod; floats only via the *f variants, but
    // Helm values are float64, so keep the float when one was given.
    Ok(if any_float && acc_f.fract() != 0.0 {
        V::Float(acc_f)
    } else {
        V::Int(acc_i)
    })
}

fn compare(a: &V, b: &V) -> Option<std::cmp::Ordering> {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

fn equal(a: &V, b: &V) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

pub fn b64enc(text: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn b64dec(text: &str) -> String {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        bits = bits << 6 | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn indent(text: &str, n: i64) -> String {
    let pad = " ".repeat(n.max(0) as usize);
    text.split('\n')
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                    && chars[i - 1].is_uppercase());
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Go's `printf` verbs used in charts: %s %d %v %q %f %t %x %%, with width and precision.
fn printf(format: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut it = format.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit()
                || d == '.'
                || d == '-'
                || d == '+'
                || d == ' '
                || d == '0'
                || d == '#'
            {
                spec.push(d);
                it.next();
            } else {
                break;
            }
        }
        let Some(verb) = it.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(v) = next.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        let (width, precision) = match spec
            .trim_start_matches(['-', '+', ' ', '#'])
            .split_once('.')
        {
            Some((w, p)) => (w.parse::<usize>().ok(), p.parse::<usize>().ok()),
            None => (
                spec.trim_start_matches(['-', '+', ' ', '#', '0'])
                    .parse::<usize>()
                    .ok(),
                None,
            ),
        };
        let text = match verb {
            'd' => int(v).to_string(),
            'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), float(v)),
            'g' => go_float(float(v)),
            'q' => format!("{:?}", s(v)),
            't' => s(v),
            'x' => match v {
                V::Int(i) => format!("{i:x}"),
                other => s(other).bytes().map(|b| format!("{b:02x}")).collect(),
            },
            'X' => format!("{:X}", int(v)),
            'o' => format!("{:o}", int(v)),
            'c' => char::from_u32(int(v) as u32)
                .map(String::from)
                .unwrap_or_default(),
            _ => {
                let t = s(v);
                match (verb, precision) {
                    ('s', Some(p)) => t.chars().take(p).collect(),
                    _ => t,
                }
            }
        };
        match width {
            Some(w) if text.chars().count() < w => {
                let pad = " ".repeat(w - text.chars().count());
                if spec.starts_with('-') {
                    out.push_str(&text);
                    out.push_str(&pad);
                } else if spec.starts_with('0') && verb != 's' {
                    out.push_str(&"0".repeat(w - text.chars().count()));
                    out.push_str(&text);
                } else {
                    out.push_str(&pad);
                    out.push_str(&text);
                }
            }
            _ => out.push_str(&text),
        }
    }
    out
}

fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| format!("bad regular expression: {e}"))
}

/// `semverCompare`'s constraint against a version (`>=1.19-0`, `^1.2`, `~1.2.3`, `1.x`, ranges
/// joined by `,` or spaces, alternatives by `||`).
fn semver_matches(constraint: &str, version: &str) -> bool {
    fn parse(v: &str) -> Option<(u64, u64, u64)> {
        let v = v.trim().trim_start_matches(['v', '=']);
        let core = v.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| {
            if p == "x" || p == "*" || p == "X" {
                Some(0)
            } else {
                p.parse::<u64>().ok()
            }
        });
        Some((
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
            parts.next().flatten().unwrap_or(0),
        ))
    }
    let Some(v) = parse(version) else {
        return false;
    };
    constraint.split("||").any(|alt| {
        alt.split([',', ' '])
            .filter(|c| !c.trim().is_empty())
            .all(|c| {
                let c = c.trim();
                let (op, rest) = ["<=", ">=", "!=", "<", ">", "=", "^", "~"]
                    .iter()
                    .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
                    .unwrap_or(("=", c));
                let Some(t) = parse(rest) else { return false };
                match op {
                    ">=" => v >= t,
                    "<=" => v <= t,
                    ">" => v > t,
                    "<" => v < t,
                    "!=" => v != t,
                    "^" => v >= t && v.0 == t.0,
                    "~" => v >= t && v.0 == t.0 && v.1 == t.1,
                    _ => {
                        if rest.contains(['x', '*']) || rest.split('.').count() < 3 {
                            v.0 == t.0
                                && (rest.split('.').count() < 2
                                    || rest.split('.').nth(1).is_some_and(|m| m == "x" || m == "*")
                                    || v.1 == t.1)
                        } else {
                            v == t
                        }
                    }
                }
            })
    })
}

/// Calls a function by name.
pub fn call(name: &str, args: &[V]) -> R {
    let a0 = || arg(args, 0, name);
    let a1 = || arg(args, 1, name);
    Ok(match name {
        // Go built-ins
        "not" => V::Bool(!a0()?.truthy()),
        "len" => V::Int(match a0()? {
            V::Str(t) => t.len(),
            V::List(l) => l.len(),
            V::Map(m) => m.len(),
            V::Nil => 0,
            other => return Err(format!("len of {}", other.type_name())),
        } as i64),
        "index" => {
            let mut v = a0()?.clone();
            for k in &args[1..] {
                v = match (&v, k) {
                    (V::Map(m), key) => m.get(&s(key)).cloned().unwrap_or(V::Nil),
                    (V::List(l), i) => l
                        .get(int(i) as usize)
                        .cloned()
                        .ok_or_else(|| format!("error calling index: index out of range: {}", int(i)))?,
                    (V::Nil, _) => V::Nil,
                    (other, _) => return Err(format!("can't index item of type {}", other.type_name())),
                };
            }
            v
        }
        "slice" => match a0()? {
            V::List(l) => {
                let from = args.get(1).map(int).unwrap_or(0).max(0) as usize;
                let to = args.get(2).map(int).map(|t| t as usize).unwrap_or(l.len()).min(l.len());
                V::List(l.get(from..to).map(<[V]>::to_vec).unwrap_or_default())
            }
            V::Str(t) => {
                let from = args.get(1).map(int).unwrap_or(0).max(0) as usize;
                let to = args.get(2).map(int).map(|t| t as usize).unwrap_or(t.len()).min(t.len());
                V::Str(t.get(from..to).unwrap_or("").to_string())
            }
            other => return Err(format!("can't slice item of type {}", other.type_name())),
        },
        "print" => {
            // Go's print separates operands with spaces when neither side is a string.
            let mut out = String::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 && !matches!(a, V::Str(_)) && !matches!(args[i - 1], V::Str(_)) {
                    out.push(' ');
                }
                out.push_str(&s(a));
            }
            V::Str(out)
        }
        "println" => V::Str(args.iter().map(s).collect::<Vec<_>>().join(" ") + "\n"),
        "printf" => V::Str(printf(&s(a0()?), &args[1..])),
        "eq" => {
            let first = a0()?;
            V::Bool(args[1..].iter().any(|b| equal(first, b)))
        }
        "ne" => V::Bool(!equal(a0()?, a1()?)),
        "lt" | "le" | "gt" | "ge" => {
            let ord = compare(a0()?, a1()?).ok_or_else(|| format!("incompatible types for comparison in {name}"))?;
            V::Bool(match name {
                "lt" => ord.is_lt(),
                "le" => ord.is_le(),
                "gt" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        "html" => V::Str(s(a0()?).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")),
        "js" => V::Str(s(a0()?).replace('\\', "\\\\").replace('\'', "\\'").replace('"', "\\\"")),
        "urlquery" => V::Str(
            s(a0()?)
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else if b == b' ' { "+".into() } else { format!("%{b:02X}") })
                .collect(),
        ),
        // Helm
        "required" => {
            let v = a1()?;
            if matches!(v, V::Nil) || matches!(v, V::Str(t) if t.is_empty()) {
                return Err(s(a0()?));
            }
            v.clone()
        }
        "fail" => return Err(s(a0()?)),
        "toYaml" => V::Str(to_yaml(a0()?)),
        "toJson" | "mustToJson" => V::Str(to_json(a0()?)),
        "toPrettyJson" => V::Str(to_pretty_json(a0()?, 0)),
        "fromYaml" => from_yaml(&s(a0()?)).unwrap_or_else(|e| V::Map(BTreeMap::from([("Error".into(), V::Str(e))]))),
        "fromYamlArray" => from_yaml(&s(a0()?)).map(|v| V::List(list(&v))).unwrap_or(V::List(vec![])),
        "fromJson" => from_yaml(&s(a0()?)).unwrap_or_else(|e| V::Map(BTreeMap::from([("Error".into(), V::Str(e))]))),
        "fromJsonArray" => from_yaml(&s(a0()?)).map(|v| V::List(list(&v))).unwrap_or(V::List(vec![])),
        // Nothing is looked up in a cluster: lookup finds nothing, as in `helm template`.
        "lookup" => V::Map(BTreeMap::new()),
        // Defaults and logic
        "default" => {
            let given = args.get(1).cloned().unwrap_or(V::Nil);
            if given.truthy() { given } else { a0()?.clone() }
        }
        "empty" => V::Bool(!a0()?.truthy()),
        "coalesce" => args.iter().find(|v| v.truthy()).cloned().unwrap_or(V::Nil),
        "ternary" => {
            if arg(args, 2, name)?.truthy() { a0()?.clone() } else { a1()?.clone() }
        }
        "all" => V::Bool(args.iter().all(V::truthy)),
        "any" => V::Bool(args.iter().any(V::truthy)),
        // Strings
        "quote" => V::Str(args.iter().filter(|a| !matches!(a, V::Nil)).map(|a| format!("{:?}", s(a))).collect::<Vec<_>>().join(" ")),
        "squote" => V::Str(args.iter().filter(|a| !matches!(a, V::Nil)).map(|a| format!("'{}'", s(a))).collect::<Vec<_>>().join(" ")),
        "upper" => V::Str(s(a0()?).to_uppercase()),
        "lower" => V::Str(s(a0()?).to_lowercase()),
        "title" => V::Str(s(a0()?).split(' ').map(capitalize).collect::<Vec<_>>().join(" ")),
        "untitle" => V::Str(s(a0()?).split(' ').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_lowercase().collect::<String>() + c.as_str()).unwrap_or_default() }).collect::<Vec<_>>().join(" ")),
        "trim" => V::Str(s(a0()?).trim().to_string()),
        "trimAll" => V::Str(s(a1()?).trim_matches(|c| s(&args[0]).contains(c)).to_string()),
        "trimPrefix" => V::Str({ let t = s(a1()?); t.strip_prefix(&s(&args[0])).unwrap_or(&t).to_string() }),
        "trimSuffix" => V::Str({ let t = s(a1()?); t.strip_suffix(&s(&args[0])).unwrap_or(&t).to_string() }),
        "replace" => V::Str(s(arg(args, 2, name)?).replace(&s(a0()?), &s(a1()?))),
        "contains" => V::Bool(s(a1()?).contains(&s(a0()?))),
        "hasPrefix" => V::Bool(s(a1()?).starts_with(&s(a0()?))),
        "hasSuffix" => V::Bool(s(a1()?).ends_with(&s(a0()?))),
        "indent" => V::Str(indent(&s(a1()?), int(a0()?))),
        "nindent" => V::Str(format!("\n{}", indent(&s(a1()?), int(a0()?)))),
        "trunc" => {
            let n = int(a0()?);
            let t = s(a1()?);
            let chars: Vec<char> = t.chars().collect();
            V::Str(if n >= 0 {
                chars.iter().take(n as usize).collect()
            } else {
                chars[chars.len().saturating_sub((-n) as usize)..].iter().collect()
            })
        }
        "abbrev" => {
            let n = int(a0()?).max(3) as usize;
            let t = s(a1()?);
            V::Str(if t.chars().count() > n { t.chars().take(n - 3).collect::<String>() + "..." } else { t })
        }
        "substr" => {
            let t: Vec<char> = s(arg(args, 2, name)?).chars().collect();
            let from = int(a0()?).max(0) as usize;
            let to = int(a1()?);
            let to = if to < 0 { t.len() } else { (to as usize).min(t.len()) };
            V::Str(t.get(from.min(to)..to).map(|c| c.iter().collect()).unwrap_or_default())
        }
        "repeat" => {
            let (n, t) = (int(a0()?).max(0) as usize, s(a1()?));
            if n.saturating_mul(t.len()) > 1024 * 1024 {
                return Err(format!("repeat: {n} copies of {} bytes is over 1 MiB", t.len()));
            }
            V::Str(t.repeat(n))
        }
        "nospace" => V::Str(s(a0()?).chars().filter(|c| !c.is_whitespace()).collect()),
        "cat" => V::Str(args.iter().filter(|a| !matches!(a, V::Nil)).map(s).collect::<Vec<_>>().join(" ")),
        "join" => V::Str(list(a1()?).iter().map(s).collect::<Vec<_>>().join(&s(a0()?))),
        "splitList" => V::List(s(a1()?).split(&s(a0()?)).map(V::str).collect()),
        "split" => V::Map(s(a1()?).split(&s(a0()?)).enumerate().map(|(i, p)| (format!("_{i}"), V::str(p))).collect()),
        "splitn" => V::Map(s(arg(args, 2, name)?).splitn(int(a1()?).max(0) as usize, &s(a0()?)).enumerate().map(|(i, p)| (format!("_{i}"), V::str(p))).collect()),
        "toString" => V::Str(s(a0()?)),
        "toStrings" => V::List(list(a0()?).iter().map(|v| V::Str(s(v))).collect()),
        "kebabcase" => V::Str(words(&s(a0()?)).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("-")),
        "snakecase" => V::Str(words(&s(a0()?)).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("_")),
        "camelcase" => V::Str(words(&s(a0()?)).iter().map(|w| capitalize(&w.to_lowercase())).collect()),
        "wrap" => V::Str(s(a1()?)),
        "plural" => V::Str(if int(arg(args, 2, name)?) == 1 { s(a0()?) } else { s(a1()?) }),
        "regexMatch" => V::Bool(regex(&s(a0()?))?.is_match(&s(a1()?))),
        "regexFind" => V::Str(regex(&s(a0()?))?.find(&s(a1()?)).map(|m| m.as_str().to_string()).unwrap_or_default()),
        "regexFindAll" => {
            let r = regex(&s(a0()?))?;
            let t = s(a1()?);
            let n = int(arg(args, 2, name)?);
            let all = r.find_iter(&t).map(|m| V::str(m.as_str()));
            V::List(if n < 0 { all.collect() } else { all.take(n as usize).collect() })
        }
        "regexReplaceAll" => {
            // Go's `${1}` expansion matches the regex crate's.
            V::Str(regex(&s(a0()?))?.replace_all(&s(a1()?), s(arg(args, 2, name)?).as_str()).into_owned())
        }
        "regexReplaceAllLiteral" => V::Str(regex(&s(a0()?))?.replace_all(&s(a1()?), regex::NoExpand(&s(arg(args, 2, name)?))).into_owned()),
        "regexSplit" => {
            let r = regex(&s(a0()?))?;
            V::List(r.split(&s(a1()?)).map(V::str).collect())
        }
        "b64enc" => V::Str(b64enc(&s(a0()?))),
        "b64dec" => V::Str(b64dec(&s(a0()?))),
        "sha256sum" => V::Str(sha2::Sha256::digest(s(a0()?).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()),
        "adler32sum" => {
            let (mut a, mut b) = (1u32, 0u32);
            for byte in s(a0()?).bytes() {
                a = (a + byte as u32) % 65521;
                b = (b + a) % 65521;
            }
            V::Str(((b << 16) | a).to_string())
        }
        "randAlphaNum" | "randAlpha" | "randAscii" => V::Str("x".repeat(int(a0()?).max(0) as usize)),
        "randNumeric" => V::Str("0".repeat(int(a0()?).max(0) as usize)),
        "uuidv4" => V::str("00000000-0000-4000-8000-000000000000"),
        "now" => V::str("1970-01-01 00:00:00 +0000 UTC"),
        // The clock is fixed at the epoch; Go layouts are written out for it.
        "date" | "dateInZone" => V::Str(epoch_layout(&s(a0()?))),
        "htmlDate" => V::str("1970-01-01"),
        // Numbers
        "int" | "int64" | "atoi" => V::Int(int(a0()?)),
        "float64" => V::Float(float(a0()?)),
        "add" => arith(args, name, |a, b| a.checked_add(b), |a, b| a + b)?,
        "add1" => V::Int(int(a0()?) + 1),
        "sub" => arith(args, name, |a, b| a.checked_sub(b), |a, b| a - b)?,
        "mul" => arith(args, name, |a, b| a.checked_mul(b), |a, b| a * b)?,
        "div" => arith(args, name, |a, b| a.checked_div(b), |a, b| a / b)?,
        "mod" => arith(args, name, |a, b| a.checked_rem(b), |a, b| a % b)?,
        "max" => V::Int(args.iter().map(int).max().unwrap_or(0)),
        "min" => V::Int(args.iter().map(int).min().unwrap_or(0)),
        "floor" => V::Float(float(a0()?).floor()),
        "ceil" => V::Float(float(a0()?).ceil()),
        "round" => {
            let p = args.get(1).map(int).unwrap_or(0) as i32;
            let m = 10f64.powi(p);
            V::Float((float(a0()?) * m).round() / m)
        }
        "until" => V::List((0..int(a0()?).clamp(0, 100_000)).map(V::Int).collect()),
        "untilStep" => {
            let (from, to, step) = (int(a0()?), int(a1()?), int(arg(args, 2, name)?));
            if step == 0 {
                V::List(vec![])
            } else {
                let mut out = Vec::new();
                let mut i = from;
                while (step > 0 && i < to) || (step < 0 && i > to) {
                    out.push(V::Int(i));
                    i += step;
                    if out.len() > 100_000 {
                        break;
                    }
                }
                V::List(out)
            }
        }
        "seq" => {
            let nums: Vec<i64> = args.iter().map(int).collect();
            let (from, to) = match nums.as_slice() {
                [n] => (1, *n),
                [a, b] | [a, _, b] => (*a, *b),
                _ => (1, 0),
            };
            V::Str((from..=to).take(100_000).map(|i| i.to_string()).collect::<Vec<_>>().join(" "))
        }
        // Lists
        "list" => V::List(args.to_vec()),
        "first" => list(a0()?).first().cloned().unwrap_or(V::Nil),
        "last" => list(a0()?).last().cloned().unwrap_or(V::Nil),
        "rest" => V::List(list(a0()?).into_iter().skip(1).collect()),
        "initial" => {
            let mut l = list(a0()?);
            l.pop();
            V::List(l)
        }
        "append" | "mustAppend" => {
            let mut l = list(a0()?);
            l.push(a1()?.clone());
            V::List(l)
        }
        "prepend" => {
            let mut l = list(a0()?);
            l.insert(0, a1()?.clone());
            V::List(l)
        }
        "concat" => V::List(args.iter().flat_map(list).collect()),
        "uniq" => {
            let mut out: Vec<V> = Vec::new();
            for v in list(a0()?) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            V::List(out)
        }
        "has" => V::Bool(list(a1()?).iter().any(|v| equal(v, &args[0]))),
        "without" => {
            let drop = &args[1..];
            V::List(list(a0()?).into_iter().filter(|v| !drop.iter().any(|d| equal(v, d))).collect())
        }
        "compact" => V::List(list(a0()?).into_iter().filter(V::truthy).collect()),
        "reverse" => V::List(list(a0()?).into_iter().rev().collect()),
        "sortAlpha" => {
            let mut l: Vec<String> = list(a0()?).iter().map(s).collect();
            l.sort();
            V::List(l.into_iter().map(V::Str).collect())
        }
        // Dictionaries
        "dict" => V::Map(args.chunks(2).map(|kv| (s(&kv[0]), kv.get(1).cloned().unwrap_or(V::Nil))).collect()),
        "get" => match a0()? {
            V::Map(m) => m.get(&s(a1()?)).cloned().unwrap_or(V::str("")),
            _ => V::str(""),
        },
        "set" => match a0()? {
            V::Map(m) => {
                let mut m = m.clone();
                m.insert(s(a1()?), arg(args, 2, name)?.clone());
                V::Map(m)
            }
            other => return Err(format!("set on {}", other.type_name())),
        },
        "unset" => match a0()? {
            V::Map(m) => {
                let mut m = m.clone();
                m.remove(&s(a1()?));
                V::Map(m)
            }
            other => return Err(format!("unset on {}", other.type_name())),
        },
        "hasKey" => V::Bool(matches!(a0()?, V::Map(m) if m.contains_key(&s(a1()?)))),
        "keys" => V::List(args.iter().flat_map(|d| match d { V::Map(m) => m.keys().cloned().map(V::Str).collect(), _ => Vec::new() }).collect()),
        "values" => match a0()? {
            V::Map(m) => V::List(m.values().cloned().collect()),
            _ => V::List(vec![]),
        },
        "pluck" => {
            let key = s(a0()?);
            V::List(args[1..].iter().filter_map(|d| match d { V::Map(m) => m.get(&key).cloned(), _ => None }).collect())
        }
        "pick" | "omit" => match a0()? {
            V::Map(m) => {
                let keys: Vec<String> = args[1..].iter().map(s).collect();
                V::Map(m.iter().filter(|(k, _)| keys.contains(k) == (name == "pick")).map(|(k, v)| (k.clone(), v.clone())).collect())
            }
            _ => V::Map(BTreeMap::new()),
        },
        "merge" | "mustMerge" => {
            let mut out = a0()?.clone();
            for src in &args[1..] {
                out = deep_merge(out, src, false);
            }
            out
        }
        "mergeOverwrite" | "mustMergeOverwrite" => {
            let mut out = a0()?.clone();
            for src in &args[1..] {
                out = deep_merge(out, src, true);
            }
            out
        }
        "deepCopy" | "mustDeepCopy" => a0()?.clone(),
        "dig" => {
            // dig "a" "b" default dict
            let dict = args.last().ok_or("dig needs a dictionary")?;
            let default = &args[args.len().saturating_sub(2)];
            let mut cur = dict.clone();
            for k in &args[..args.len().saturating_sub(2)] {
                cur = match cur {
                    V::Map(m) => match m.get(&s(k)) {
                        Some(v) => v.clone(),
                        None => return Ok(default.clone()),
                    },
                    _ => return Ok(default.clone()),
                };
            }
            cur
        }
        // Types and versions
        "typeOf" => V::str(a0()?.type_name()),
        "kindOf" => V::str(kind_of(a0()?)),
        "kindIs" => V::Bool(s(a0()?) == kind_of(a1()?)),
        "typeIs" => V::Bool(s(a0()?) == a1()?.type_name()),
        "semverCompare" => V::Bool(semver_matches(&s(a0()?), &s(a1()?))),
        "semver" => {
            let t = s(a0()?);
            let mut parts = t.trim_start_matches('v').split(['.', '-', '+']);
            let mut m = BTreeMap::new();
            for key in ["Major", "Minor", "Patch"] {
                m.insert(key.to_string(), V::Int(parts.next().and_then(|p| p.parse().ok()).unwrap_or(0)));
            }
            V::Map(m)
        }
        other => return Err(format!("function {other:?} not defined (not supported by the built-in renderer; try --renderer helm)")),
    })
}

fn kind_of(v: &V) -> &'static str {
    match v {
        V::Nil => "invalid",
        V::Bool(_) => "bool",
        V::Int(_) => "int64",
        V::Float(_) => "float64",
        V::Str(_) => "string",
        V::List(_) => "slice",
        V::Map(_) | V::Files(_) => "map",
        V::ApiVersions(_) => "slice",
    }
}

/// Merges `src` into `dst`: keys missing in `dst` are added; with `overwrite`, `src` wins.
pub fn deep_merge(dst: V, src: &V, overwrite: bool) -> V {
    match (dst, src) {
        (V::Map(mut d), V::Map(s)) => {
            for (k, v) in s {
                let merged = match d.remove(k) {
                    Some(existing) => deep_merge(existing, v, overwrite),
                    None => v.clone(),
                };
                d.insert(k.clone(), merged);
            }
            V::Map(d)
        }
        (V::Nil, s) => s.clone(),
        (d, s) => {
            if overwrite && !matches!(s, V::Nil) {
                s.clone()
            } else {
                d
            }
        }
    }
}

pub fn from_yaml(text: &str) -> Result<V, String> {
    let (docs, error) = parse_documents(text, YamlLimits::default());
    if let Some(e) = error {
        return Err(format!(
            "error converting YAML to JSON: yaml: line {}: {}",
            e.loc.line, e.message
        ));
    }
    Ok(docs
        .first()
        .map(|(_, n)| V::from_node(n))
        .unwrap_or(V::Map(BTreeMap::new())))
}

/// Whether a string must be quoted to stay a string in YAML.
fn needs_quotes(t: &str) -> bool {
    if t.is_empty() || t != t.trim() {
        return true;
    }
    if !matches!(scalar(t), V::Str(_)) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
    ) {
        return true;
    }
    let first = t.chars().next().unwrap_or(' ');
    let indicator = "?:,[]{}#&*!|>'\"%@`".contains(first)
        || (first == '-' && (t.len() == 1 || t[1..].starts_with(' ') || t.starts_with("---")));
    indicator || t.contains(": ") || t.contains(" #") || t.ends_with(':') || t.contains('\t')
}

fn quote_json(t: &str) -> String {
    let mut out = String::from("\"");
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_scalar(v: &V, indent: usize) -> String {
    match v {
        V::Nil => "null".into(),
        V::Str(t) if t.contains('\n') => {
            let chomp = if t.ends_with('\n') { "" } else { "-" };
            let pad = " ".repeat(indent + 2);
            let body = t.strip_suffix('\n').unwrap_or(t);
            format!(
                "|{chomp}\n{}",
                body.split('\n')
                    .map(|l| if l.is_empty() {
                        String::new()
                    } else {
                        format!("{pad}{l}")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        V::Str(t) if needs_quotes(t) => quote_json(t),
        other => other.to_go_string(),
    }
}

/// YAML as Helm's `toYaml` writes it: keys sorted, sequences at their key's indentation, no
/// trailing newline.
pub fn to_yaml(v: &V) -> String {
    fn write(v: &V, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            V::Map(m) if !m.is_empty() => {
                for (k, val) in m {
                    let key = if needs_quotes(k) {
                        quote_json(k)
                    } else {
                        k.clone()
                    };
                    match val {
                        V::Map(inner) if !inner.is_empty() => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            write(val, indent + 2, out);
                        }
                        V::List(items) if !items.is_empty() => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            write(val, indent, out);
                        }
                        _ => out.push_str(&format!("{pad}{key}: {}\n", inline(val, indent))),
                    }
                }
            }
            V::List(items) if !items.is_empty() => {
                for item in items {
                    match item {
                        V::Map(m) if !m.is_empty() => {
                            let mut inner = String::new();
                            write(item, indent + 2, &mut inner);
                            out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                        }
                        V::List(l) if !l.is_empty() => {
                            let mut inner = String::new();
                            write(item, indent + 2, &mut inner);
                            out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", inline(item, indent))),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", inline(other, indent))),
        }
    }
    fn inline(v: &V, indent: usize) -> String {
        match v {
            V::Map(_) => "{}".into(),
            V::List(_) => "[]".into(),
            other => yaml_scalar(other, indent),
        }
    }
    let mut out = String::new();
    write(v, 0, &mut out);
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

/// A Go time layout (`2006-01-02T15:04:05Z07:00`) written for the Unix epoch in UTC.
fn epoch_layout(layout: &str) -> String {
    let mut out = layout.to_string();
    for (token, value) in [
        ("2006", "1970"),
        ("January", "January"),
        ("Monday", "Thursday"),
        ("Jan", "Jan"),
        ("Mon", "Thu"),
        ("Z07:00", "Z"),
        ("-07:00", "+00:00"),
        ("-0700", "+0000"),
        ("MST", "UTC"),
        ("15", "00"),
        ("04", "00"),
        ("05", "00"),
        ("01", "01"),
        ("02", "01"),
        ("06", "70"),
    ] {
        out = out.replace(token, value);
    }
    out
}

/// `toPrettyJson`: Go's `json.MarshalIndent` with two spaces.
pub fn to_pretty_json(v: &V, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let close = "  ".repeat(indent);
    match v {
        V::List(l) if !l.is_empty() => format!(
            "[\n{}\n{close}]",
            l.iter()
                .map(|x| format!("{pad}{}", to_pretty_json(x, indent + 1)))
                .collect::<Vec<_>>()
                .join(",\n")
        ),
        V::Map(m) if !m.is_empty() => format!(
            "{{\n{}\n{close}}}",
            m.iter()
                .map(|(k, x)| format!("{pad}{}: {}", quote_json(k), to_pretty_json(x, indent + 1)))
                .collect::<Vec<_>>()
                .join(",\n")
        ),
        other => to_json(other),
    }
}

pub fn to_json(v: &V) -> String {
    match v {
        V::Nil => "null".into(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        V::Str(t) => quote_json(t),
        V::List(l) => format!("[{}]", l.iter().map(to_json).collect::<Vec<_>>().join(",")),
        V::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", quote_json(k), to_json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        V::Files(_) | V::ApiVersions(_) => "{}".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips() {
        let v =
            from_yaml("b: [1, two, 'true']\na:\n  c: {}\n  d: \"x: y\"\ne: |\n  line1\n  line2\n")
                .unwrap();
        let text = to_yaml(&v);
        assert_eq!(
            text,
            "a:\n  c: {}\n  d: \"x: y\"\nb:\n- 1\n- two\n- \"true\"\ne: |\n  line1\n  line2"
        );
        assert_eq!(from_yaml(&text).unwrap(), v);
    }

    #[test]
    fn printf_verbs() {
        assert_eq!(
            printf(
                "%s-%d-%v-%q-%5s|%-3s|%03d",
                &[
                    V::str("a"),
                    V::Int(7),
                    V::Bool(true),
                    V::str("q"),
                    V::str("r"),
                    V::str("l"),
                    V::Int(5)
                ]
            ),
            "a-7-true-\"q\"-    r|l  |005"
        );
    }

    #[test]
    fn semver_constraints() {
        assert!(semver_matches(">=1.19-0", "v1.29.0"));
        assert!(!semver_matches("<1.14-0", "v1.29.0"));
        assert!(semver_matches(">=1.4-0, <1.30", "1.29.0"));
        assert!(semver_matches("^1.2", "1.9.0"));
    }
}

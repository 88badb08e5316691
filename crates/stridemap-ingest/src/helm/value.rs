//! Template values: what Helm's values, `.Release`, `.Chart`, … look like to a template, and how
//! Go prints and compares them.

use std::collections::BTreeMap;
use std::rc::Rc;
use stridemap_model::Node;

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<V>),
    /// Go maps iterate and print in key order; so do these.
    Map(BTreeMap<String, V>),
    /// `.Files`: chart files by path.
    Files(Rc<BTreeMap<String, String>>),
    /// `.Capabilities.APIVersions`.
    ApiVersions(Rc<Vec<String>>),
}

impl V {
    pub fn str(s: impl Into<String>) -> V {
        V::Str(s.into())
    }

    /// Go template truth: false, 0, nil and empty strings, lists and maps are false.
    pub fn truthy(&self) -> bool {
        match self {
            V::Nil => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.is_empty(),
            V::Map(m) => !m.is_empty(),
            V::Files(_) | V::ApiVersions(_) => true,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            V::Nil => "<nil>",
            V::Bool(_) => "bool",
            V::Int(_) => "int64",
            V::Float(_) => "float64",
            V::Str(_) => "string",
            V::List(_) => "[]interface {}",
            V::Map(_) => "map[string]interface {}",
            V::Files(_) => "chartutil.Files",
            V::ApiVersions(_) => "chartutil.VersionSet",
        }
    }

    /// The value as Go's `%v` prints it (nil prints as nothing, as Helm renders it).
    pub fn to_go_string(&self) -> String {
        match self {
            V::Nil => String::new(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(f) => go_float(*f),
            V::Str(s) => s.clone(),
            V::List(l) => format!(
                "[{}]",
                l.iter().map(V::nested_string).collect::<Vec<_>>().join(" ")
            ),
            V::Map(m) => format!(
                "map[{}]",
                m.iter()
                    .map(|(k, v)| format!("{k}:{}", v.nested_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            V::Files(_) => "map[]".into(),
            V::ApiVersions(v) => format!("[{}]", v.join(" ")),
        }
    }

    fn nested_string(&self) -> String {
        match self {
            V::Nil => "<nil>".into(),
            other => other.to_go_string(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Values of a YAML tree, typed as Helm reads values files (YAML 1.1-ish scalars).
    pub fn from_node(node: &Node) -> V {
        use stridemap_model::Value;
        match &node.value {
            Value::Scalar { text, quoted } => {
                if *quoted {
                    return V::Str(text.clone());
                }
                scalar(text)
            }
            Value::Seq(items) => V::List(items.iter().map(V::from_node).collect()),
            Value::Map(entries) => V::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match &k.value {
                            Value::Scalar { text, .. } => text.clone(),
                            _ => String::new(),
                        };
                        (key, V::from_node(v))
                    })
                    .collect(),
            ),
        }
    }
}

/// An unquoted YAML scalar, typed as Helm reads values: every number is a float64 (Helm
/// converts values YAML to JSON before decoding it), so `1000000` prints as `1e+06`.
pub fn scalar(text: &str) -> V {
    match typed(text) {
        V::Int(i) => V::Float(i as f64),
        other => other,
    }
}

/// An unquoted scalar typed as `--set` types it: integers stay integers.
pub fn typed(text: &str) -> V {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => V::Nil,
        "true" | "True" | "TRUE" => V::Bool(true),
        "false" | "False" | "FALSE" => V::Bool(false),
        t => {
            if let Ok(i) = t.parse::<i64>() {
                return V::Int(i);
            }
            let looks_numeric = t
                .trim_start_matches(['-', '+'])
                .starts_with(|c: char| c.is_ascii_digit() || c == '.');
            if looks_numeric {
                if let Ok(f) = t.parse::<f64>() {
                    return V::Float(f);
                }
            }
            V::Str(t.to_string())
        }
    }
}

/// Go's `%v` for a float64: shortest representation, exponent form from 1e+06 up and below 1e-4.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        // Rust's `{:e}` gives the shortest digits (`1e6`, `1.5e-7`); Go writes `1e+06`.
        let s = format!("{f:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let s = format!("{f}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go() {
        assert_eq!(go_float(8080.0), "8080");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.00001), "1e-05");
    }

    #[test]
    fn scalars_are_typed() {
        assert_eq!(scalar("3"), V::Float(3.0));
        assert_eq!(typed("3"), V::Int(3));
        assert_eq!(scalar("1.5"), V::Float(1.5));
        assert_eq!(scalar("true"), V::Bool(true));
        assert_eq!(scalar("~"), V::Nil);
        assert_eq!(scalar("inf-service"), V::str("inf-service"));
    }
}

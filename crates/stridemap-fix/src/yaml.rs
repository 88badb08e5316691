//! Writing YAML. Generated objects are built as JSON values and written in block style; every
//! string is written as a JSON string (YAML's double-quoted scalars are a superset), so no value
//! can change type or meaning when read back.

use serde_json::Value;

/// One document: `# comment` lines, then the object.
pub fn document(comments: &[String], value: &Value) -> String {
    let mut out = String::new();
    for c in comments {
        for line in c.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    write_value(&mut out, value, 0);
    out
}

/// Documents joined with `---`.
pub fn stream(docs: &[String]) -> String {
    docs.join("---\n")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).expect("a string serialises"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        // Words that YAML 1.1 readers take for booleans or null.
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        k.to_string()
    } else {
        serde_json::to_string(k).expect("a string serialises")
    }
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => scalar(other),
    }
}

/// Writes `value` as the body of a mapping or sequence at `indent` spaces.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                if is_empty_container(v) || !(v.is_object() || v.is_array()) {
                    out.push(' ');
                    out.push_str(&inline(v));
                    out.push('\n');
                } else {
                    out.push('\n');
                    let child = if v.is_array() { indent } else { indent + 2 };
                    write_value(out, v, child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The first entry on the dash's line, the rest aligned under it.
                        let mut body = String::new();
                        write_value(&mut body, item, indent + 2);
                        out.push_str(body.trim_start());
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write_value(out, item, indent + 2);
                    }
                    other => {
                        out.push_str(&inline(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_style_with_quoted_strings() {
        let v = json!({
            "apiVersion": "networking.k8s.io/v1",
            "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "x", "on": "yes"}},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app": "b"}}}], "ports": [{"port": 80, "protocol": "TCP"}]}
            ]}
        });
        let text = document(&["closes THREAT-001".into()], &v);
        assert_eq!(
            text,
            "# closes THREAT-001\napiVersion: \"networking.k8s.io/v1\"\nmetadata:\n  name: \"a\"\n  labels:\n    app.kubernetes.io/name: \"x\"\n    \"on\": \"yes\"\nspec:\n  podSelector: {}\n  policyTypes:\n  - \"Ingress\"\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: \"b\"\n    ports:\n    - port: 80\n      protocol: \"TCP\"\n"
        );
    }

    #[test]
    fn quotes_keys_that_are_not_plain() {
        assert_eq!(key("a b"), "\"a b\"");
        assert_eq!(key("1x"), "\"1x\"");
        assert_eq!(key("k8s-app"), "k8s-app");
    }
}

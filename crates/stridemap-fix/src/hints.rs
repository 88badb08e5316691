//! What the plan can only prepare: pinning images by digest (the digest comes from the
//! registry, which a scan never contacts) and moving credentials out of ConfigMaps (the values
//! stay where they are; an ExternalSecret skeleton names the keys to move, never their values).

use crate::{object_name, yaml, Change, FixInput, Plan};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub fn generate(input: &FixInput, plan: &mut Plan) {
    // Image references by where they are written, from the findings' evidence.
    let mut images: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in input
        .report
        .threats
        .iter()
        .filter(|t| t.rule == "IMG-NO-DIGEST")
    {
        let Some(ev) = t.evidence.first() else {
            continue;
        };
        let Some(image) = image_of(&ev.snippet) else {
            continue;
        };
        images
            .entry(image)
            .or_default()
            .push(format!("{} at {}:{}", t.id, ev.file, ev.line));
    }
    for (image, at) in images {
        plan.hints.push(format!(
            "pin `{image}` by digest: `crane digest {image}` (or `docker buildx imagetools inspect {image}`) prints it; write `{image}@sha256:<digest>` ({})",
            at.join(", ")
        ));
    }
    for c in &input.configmap_credentials {
        let target = object_name(&[&c.name, "credentials"]);
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(target));
        if let Some(ns) = &c.namespace {
            metadata.insert("namespace".into(), json!(ns));
        }
        let remote = format!("{}/{}", c.namespace.as_deref().unwrap_or("default"), c.name);
        let data: Vec<Value> = c
            .keys
            .iter()
            .map(|k| json!({"secretKey": k, "remoteRef": {"key": remote, "property": k}}))
            .collect();
        let value = json!({
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": metadata,
            "spec": {
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": "REPLACE-WITH-YOUR-STORE"},
                "target": {"name": target},
                "data": data,
            },
        });
        let path = format!(
            "external-secrets/{}.yaml",
            object_name(&[c.namespace.as_deref().unwrap_or("default"), &c.name])
        );
        plan.extras.push(Change {
            path: path.clone(),
            before: None,
            after: yaml::document(
                &[
                    format!(
                        "Credentials of ConfigMap `{}` ({}): {} (see {}).",
                        c.name,
                        c.file,
                        c.keys.join(", "),
                        c.threat
                    ),
                    format!(
                        "Store the values in your secret manager under `{remote}`, apply this, reference Secret `{target}` (secretKeyRef or envFrom) and delete the keys from the ConfigMap: that closes {}.",
                        c.threat
                    ),
                ],
                &value,
            ),
            summary: format!("ExternalSecret skeleton for ConfigMap/{}", c.name),
        });
        plan.hints.push(format!(
            "move {} of ConfigMap `{}` ({}) to a secret store: `{path}` in the output names them ({})",
            c.keys.join(", "),
            c.name,
            c.file,
            c.threat
        ));
    }
}

/// The image reference of an evidence line: `image: x`, `FROM x [AS y]`, `- image: x`.
fn image_of(snippet: &str) -> Option<String> {
    let s = snippet.trim().trim_start_matches("- ").trim();
    let rest = if let Some(r) = s.strip_prefix("image:") {
        r
    } else if s.len() > 5 && s[..5].eq_ignore_ascii_case("FROM ") {
        let mut words = s[5..].split_whitespace().filter(|w| !w.starts_with("--"));
        return words.next().map(str::to_string);
    } else {
        return None;
    };
    let image = rest
        .split('#')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    (!image.is_empty() && !image.contains(char::is_whitespace)).then(|| image.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_image_references_from_evidence() {
        assert_eq!(
            image_of("image: nginx:1.27  # web").as_deref(),
            Some("nginx:1.27")
        );
        assert_eq!(image_of("- image: \"redis:7\"").as_deref(), Some("redis:7"));
        assert_eq!(
            image_of("FROM --platform=linux/amd64 golang:1.23 AS build").as_deref(),
            Some("golang:1.23")
        );
        assert_eq!(image_of("command: [x]"), None);
    }

    #[test]
    fn configmap_credentials_become_an_external_secret_without_values() {
        let r = crate::connections::tests::report(vec![], vec![]);
        let mut input = FixInput::new(&r);
        input.configmap_credentials = vec![crate::input::ConfigMapCredentials {
            threat: "THREAT-7".into(),
            file: "k8s/app.yaml".into(),
            name: "payments-config".into(),
            namespace: Some("shop".into()),
            keys: vec!["API_KEY".into()],
        }];
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        let text = &plan.extras[0].after;
        assert_eq!(
            plan.extras[0].path,
            "external-secrets/shop-payments-config.yaml"
        );
        assert!(text.contains("kind: \"ExternalSecret\""), "{text}");
        assert!(text.contains("secretKey: \"API_KEY\""), "{text}");
        assert!(text.contains("key: \"shop/payments-config\""), "{text}");
        assert!(
            plan.claims.is_empty(),
            "nothing is closed until the values move"
        );
    }
}

use super::util::same_namespace;
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Corpus, Node};

declare_rule! {
    /// ## What it does
    /// Flags containers whose environment refers to configuration the scan shows does not
    /// exist:
    /// - `valueFrom.configMapKeyRef` or `valueFrom.secretKeyRef` naming a key that no definition
    ///   of that ConfigMap or Secret in the namespace carries;
    /// - `configMapKeyRef` or `envFrom.configMapRef` naming a ConfigMap the scan does not define
    ///   (nor a Kustomize `configMapGenerator`).
    ///
    /// References marked `optional: true` are fine. Secrets absent from the scan are not
    /// reported: keeping Secret manifests out of the repository is the recommended practice, so
    /// their absence says nothing.
    ///
    /// ## Why is this bad?
    /// The kubelet refuses to start a container whose non-optional reference does not resolve:
    /// the pod sits in `CreateContainerConfigError`. A rollout that ships such a reference
    /// replaces healthy pods with pods that never start, and a restart of the existing pods
    /// (a node failure, an eviction) takes the service down, often long after the mistake was
    /// merged.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: CACHE_URL
    ///     valueFrom:
    ///       configMapKeyRef:
    ///         name: storefront-config
    ///         key: cache-url        # the ConfigMap defines `cacheUrl`
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    ///   - name: CACHE_URL
    ///     valueFrom:
    ///       configMapKeyRef:
    ///         name: storefront-config
    ///         key: cacheUrl
    /// ```
    /// Reference keys exactly as the ConfigMap or Secret defines them, or mark references that
    /// may legitimately be absent `optional: true`.
    pub struct EnvRefMissing {
        id: "DOS-ENV-REF-MISSING",
        title: "Environment refers to a missing ConfigMap or key",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [665],
        infra: [Kubernetes],
        equivalents: ["kube-linter:env-value-from"],
        attack_scenario: "A release renames a ConfigMap key; the next rollout (or any pod restart after a node failure) creates pods that never start because their environment cannot be resolved, and the service goes down without any attacker effort.",
        mitigation: "Make every `configMapKeyRef`, `secretKeyRef` and `envFrom` reference match an existing object and key, or mark it `optional: true`.",
    }
}

/// ConfigMaps and Secrets Kubernetes creates in every namespace.
const BUILT_IN: &[&str] = &[
    "kube-root-ca.crt",
    "istio-ca-root-cert",
    "openshift-service-ca.crt",
];

/// Definitions of one ConfigMap or Secret name: (the object, its keys, whether it has data).
type Definitions<'a> = BTreeMap<&'a str, Vec<(&'a K8sObject, BTreeSet<&'a str>)>>;

fn definitions<'a>(corpus: &'a Corpus, kind: &'static [&'static str]) -> Definitions<'a> {
    let mut out: Definitions = BTreeMap::new();
    for o in corpus.objects_of(kind) {
        let keys: BTreeSet<&str> = ["data", "binaryData", "stringData"]
            .iter()
            .filter_map(|f| o.root.get(f))
            .flat_map(|d| d.entries().map(|(k, _, _)| k))
            .collect();
        out.entry(o.name.as_str()).or_default().push((o, keys));
    }
    out
}

/// Names Kustomize generates ConfigMaps under (`configMapGenerator`).
fn generated(corpus: &Corpus) -> BTreeSet<&str> {
    let roots = corpus
        .objects_of(&["Kustomization"])
        .map(|o| &o.root)
        .chain(corpus.other_yaml.iter().map(|d| &d.root));
    roots
        .flat_map(|r| r.get("configMapGenerator").map(Node::as_seq).unwrap_or(&[]))
        .filter_map(|g| g.get("name").and_then(Node::as_str))
        .collect()
}

fn optional(reference: &Node) -> bool {
    reference.get("optional").and_then(Node::as_bool) == Some(true)
}

fn templated(name: &str) -> bool {
    name.contains("{{") || name.contains("${")
}

impl Check for EnvRefMissing {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let config_maps = definitions(cx.corpus, &["ConfigMap"]);
        let secrets = definitions(cx.corpus, &["Secret"]);
        let generated = generated(cx.corpus);
        for o in &cx.corpus.objects {
            let Some(w) = o.workload() else {
                continue;
            };
            for c in w.containers() {
                let mut refs: Vec<(&str, &Node, Option<&Node>, &str)> = Vec::new();
                for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
                    let var = e.get("name").and_then(Node::as_str).unwrap_or("?");
                    for (field, kind) in
                        [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")]
                    {
                        if let Some(r) = e.path(&["valueFrom", field]).filter(|r| !optional(r)) {
                            refs.push((kind, r, r.get("key"), var));
                        }
                    }
                }
                for e in c.node.get("envFrom").map(Node::as_seq).unwrap_or(&[]) {
                    if let Some(r) = e.get("configMapRef").filter(|r| !optional(r)) {
                        refs.push(("ConfigMap", r, None, "envFrom"));
                    }
                }
                for (kind, r, key_node, var) in refs {
                    let Some(name_node) = r.get("name") else {
                        continue;
                    };
                    let Some(name) = name_node.as_str().filter(|n| !templated(n)) else {
                        continue;
                    };
                    let defs = if kind == "ConfigMap" {
                        &config_maps
                    } else {
                        &secrets
                    };
                    let here: Vec<&(&K8sObject, BTreeSet<&str>)> = defs
                        .get(name)
                        .into_iter()
                        .flatten()
                        .filter(|(d, _)| same_namespace(d, o))
                        .collect();
                    if here.is_empty() {
                        let what = if var == "envFrom" {
                            "its environment (envFrom)".to_string()
                        } else {
                            format!("`{var}`")
                        };
                        if kind == "Secret" || BUILT_IN.contains(&name) || generated.contains(name)
                        {
                            continue;
                        }
                        on_container(out, &w, &c, name_node.loc, format!("{} of {} takes {what} from ConfigMap `{name}`, which is not defined, so the container cannot start", c.describe(), o.resource_id()))
                            .key_part(format!("{var}:{name}"));
                        continue;
                    }
                    let Some(key_node) = key_node else {
                        continue;
                    };
                    let Some(key) = key_node.as_str().filter(|k| !templated(k)) else {
                        continue;
                    };
                    // Empty definitions are filled elsewhere (patches, operators): nothing to
                    // compare with.
                    if here
                        .iter()
                        .any(|(_, keys)| keys.is_empty() || keys.contains(key))
                    {
                        continue;
                    }
                    if here.iter().any(|(d, _)| {
                        d.root.get("type").and_then(Node::as_str)
                            == Some("kubernetes.io/service-account-token")
                    }) {
                        continue;
                    }
                    on_container(out, &w, &c, key_node.loc, format!("{} of {} takes `{var}` from key `{key}` of {kind} `{name}`, which has no such key, so the container cannot start", c.describe(), o.resource_id()))
                        .key_part(format!("{var}:{name}:{key}"))
                        .also_at(here[0].0.file, here[0].0.root.loc);
                }
            }
        }
    }
}

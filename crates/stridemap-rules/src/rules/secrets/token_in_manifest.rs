use super::util::{decode_base64_text, kinds};
use crate::helpers::{on_object, on_service};
use crate::secrets::{find_in_value, find_tokens, SecretHit};
use crate::{Check, Context, Sink};
use regex::Regex;
use std::sync::LazyLock;
use stridemap_model::compose::ComposeFile;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Location, Node};

declare_rule! {
    /// ## What it does
    /// Looks through every string of Kubernetes objects and Compose files for values with the
    /// unmistakable shape of a credential: private key blocks, cloud access keys, GitHub,
    /// GitLab, Slack, Stripe, Google and similar tokens, JSON web tokens, and passwords inside
    /// URLs or connection strings, also when base64-encoded (a PEM key in `client-key-data`).
    /// Annotations, labels, custom resources and Compose extension fields are all covered; in a
    /// committed kubeconfig (`kind: Config`) `token` and `password` entries are reported by
    /// their key name as well. Places that the other secret rules already
    /// read (Secrets, ConfigMap data, container environment and command lines, Compose
    /// `environment`, `command` and `entrypoint`) are left to them.
    ///
    /// ## Why is this bad?
    /// These formats are issued by a provider and are live credentials by construction. A
    /// token pasted into an annotation, a custom resource or a committed kubeconfig is as
    /// exposed as one in a ConfigMap: it sits in the repository and is returned to anyone who
    /// can read the object through the API.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: argoproj.io/v1alpha1
    /// kind: Application
    /// metadata:
    ///   name: storefront
    /// spec:
    ///   source:
    ///     repoURL: https://deploy:glpat-Xq7vR2mK9tLw4ZpN8sHd@gitlab.example.com/shop/storefront.git
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: argoproj.io/v1alpha1
    /// kind: Application
    /// metadata:
    ///   name: storefront
    /// spec:
    ///   source:
    ///     repoURL: https://gitlab.example.com/shop/storefront.git
    /// ```
    /// Register the repository credentials separately (here a repository Secret created from
    /// a secret manager) and revoke the token that was committed.
    pub struct TokenInManifest {
        id: "SEC-TOKEN-IN-MANIFEST",
        title: "Credential token embedded in a manifest",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798, 540],
        infra: [Kubernetes, Compose],
        equivalents: ["kics:a88baa34-e2ad-44ea-ad6f-8cac87bc7c71"],
        attack_scenario: "An attacker who can read the repository or list the custom resources in the cluster greps for well-known token prefixes, finds the committed access token and uses it against the cloud account, source host or SaaS API that issued it.",
        mitigation: "Remove the token from the manifest and revoke it; reference credentials from a Secret or an external secret store, or use workload identity so that no long-lived token is needed.",
    }
}

/// Container fields read by SEC-ENV-CREDENTIAL and SEC-COMMAND-CREDENTIAL.
static CONTAINER_FIELDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|\.)(?:initContainers|containers|ephemeralContainers)\[\d+\]\.(?:env\[\d+\]\.value|command|args|(?:livenessProbe|readinessProbe|startupProbe)\.exec\.command|lifecycle\.(?:postStart|preStop)\.exec\.command)(?:\[\d+\])?$",
    )
    .expect("container field regex")
});

/// An annotation that mirrors the whole object, which the other rules already read.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Token hits in every string of `node`, skipping subtrees `skip` says are covered.
/// Token hits in every string of `node`, skipping subtrees `skip` says are covered. With
/// `by_key`, values are also judged by their key name (a kubeconfig's `token`, `password`).
fn scan(node: &Node, by_key: bool, skip: &dyn Fn(&str) -> bool) -> Vec<(SecretHit, Location)> {
    let mut hits: Vec<(SecretHit, Location)> = Vec::new();
    node.walk(&mut |path, key, n| {
        let key = key.and_then(Node::as_str);
        if key == Some(LAST_APPLIED) || skip(path) {
            return;
        }
        let Some(text) = n.as_str() else { return };
        let mut found = find_tokens(text);
        if found.is_empty() {
            found.extend(encoded_tokens(text));
        }
        if found.is_empty() && by_key {
            found.extend(key.and_then(|k| find_in_value(Some(k), text)));
        }
        for h in found {
            if !hits.iter().any(|(x, _)| x.value == h.value) {
                hits.push((h, n.loc));
            }
        }
    });
    hits
}

/// Tokens inside a base64 value (a kubeconfig's `client-key-data`, a PEM key in an
/// annotation); the hit is the encoded text, which is what appears in the file.
fn encoded_tokens(text: &str) -> Option<SecretHit> {
    let text = text.trim();
    if text.len() < 40 || text.contains(char::is_whitespace) {
        return None;
    }
    let decoded = decode_base64_text(text)?;
    let inner = find_tokens(&decoded).into_iter().next()?;
    Some(SecretHit {
        what: format!("base64-encoded {}", inner.what),
        value: text.to_string(),
        by_format: true,
    })
}

fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

impl Check for TokenInManifest {
    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind == "Secret" {
            return;
        }
        let is_configmap = object.kind == "ConfigMap";
        let is_workload = object.workload().is_some();
        let skip = |path: &str| {
            (is_configmap && (is_under(path, "data") || is_under(path, "binaryData")))
                || (is_workload && CONTAINER_FIELDS.is_match(path))
        };
        // A kubeconfig (`kind: Config`) holds nothing but endpoints and credentials.
        let hits = scan(&object.root, object.kind == "Config", &skip);
        if hits.is_empty() {
            return;
        }
        let refs: Vec<&SecretHit> = hits.iter().map(|(h, _)| h).collect();
        let finding = on_object(
            out,
            object,
            hits[0].1,
            format!("{} contains {}", object.resource_id(), kinds(&refs)),
        );
        for (h, loc) in &hits {
            finding.also_at(object.file, *loc);
            finding.secret(h.value.clone());
        }
    }

    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for compose in &cx.corpus.compose {
            check_compose(compose, cx, out);
        }
    }
}

fn check_compose(compose: &ComposeFile, cx: &Context, out: &mut Sink) {
    // Services: everything except what SEC-ENV-CREDENTIAL and SEC-COMMAND-CREDENTIAL read.
    for service in compose.services() {
        let mut hits = Vec::new();
        for (key, _, value) in service.node.entries() {
            if matches!(key, "environment" | "command" | "entrypoint") {
                continue;
            }
            for hit in scan(value, false, &|_| false) {
                if !hits
                    .iter()
                    .any(|(x, _): &(SecretHit, Location)| x.value == hit.0.value)
                {
                    hits.push(hit);
                }
            }
        }
        if hits.is_empty() {
            continue;
        }
        let refs: Vec<&SecretHit> = hits.iter().map(|(h, _)| h).collect();
        let finding = on_service(
            out,
            compose,
            &service,
            hits[0].1,
            format!(
                "Compose service `{}` contains {} in its configuration",
                service.name,
                kinds(&refs)
            ),
        )
        .key_part("tokens");
        for (h, loc) in &hits {
            finding.also_at(compose.file, *loc);
            finding.secret(h.value.clone());
        }
    }
    // The rest of the file: extension fields, top-level configs, networks…
    let mut hits = Vec::new();
    for (key, _, value) in compose.root.entries() {
        if key == "services" {
            continue;
        }
        hits.extend(scan(value, false, &|_| false));
    }
    if hits.is_empty() {
        return;
    }
    let path = &cx.corpus.file(compose.file).path;
    let refs: Vec<&SecretHit> = hits.iter().map(|(h, _)| h).collect();
    let finding = out
        .report(
            compose.file,
            hits[0].1,
            format!(
                "Compose file `{path}` contains {} outside its services",
                kinds(&refs)
            ),
        )
        .resource(format!("ComposeFile/{path}"))
        .component(format!("compose file {path}"))
        .key(format!("compose-file:{path}"))
        .infra(InfraType::Compose);
    for (h, loc) in &hits {
        finding.also_at(compose.file, *loc);
        finding.secret(h.value.clone());
    }
}

use super::util::{name_loc, namespace};
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{FileId, InfraType, Location, Node};

declare_rule! {
    /// ## What it does
    /// Reports, once per namespace, that Kubernetes Secrets are used (Secret manifests, or
    /// workloads reading Secrets through `secretKeyRef`, `envFrom.secretRef` or secret volumes)
    /// while nothing in the repository manages them outside Kubernetes: no External Secrets
    /// Operator objects, Sealed Secrets, Secrets Store CSI driver (`SecretProviderClass` or a
    /// `secrets-store.csi.k8s.io` volume), Vault agent injection or Vault Secrets Operator
    /// objects, SOPS-encrypted manifests, or similar. Service-account token Secrets are ignored.
    ///
    /// ## Why is this bad?
    /// Native Secrets are only base64-encoded: anyone who can read them through the API, read
    /// etcd or its backups (unencrypted unless encryption at rest was configured), or read the
    /// manifests they were applied from has the values. Without an external manager there is
    /// also no central audit of who read a credential, no automatic rotation and no revocation
    /// path; a leaked database password stays valid until someone edits every copy by hand.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: payments-db
    /// stringData:
    ///   password: change-me
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// metadata:
    ///   name: payments-db
    /// spec:
    ///   refreshInterval: 1h
    ///   secretStoreRef: {kind: ClusterSecretStore, name: vault}
    ///   target: {name: payments-db}
    ///   data:
    ///     - secretKey: password
    ///       remoteRef: {key: payments/db, property: password}
    /// ```
    /// Keep credentials in a secret manager (Vault, a cloud secret manager) and sync or mount
    /// them with External Secrets, the CSI secrets store driver or Vault injection.
    pub struct NoExternalSecretStore {
        id: "SEC-NO-EXTERNAL-SECRET-STORE",
        title: "Secrets managed only as native Kubernetes Secrets",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Low,
        cwe: [311, 262],
        infra: [Kubernetes],
        equivalents: ["kics:b9c83569-459b-4110-8f79-6305aa33cb37"],
        attack_scenario: "An attacker with read access to Secrets in the namespace (a compromised service account, an etcd backup, the manifests' repository) decodes every credential at once; with no external manager there is no audit trail of the read and no rotation, so the credentials stay usable.",
        mitigation: "Store credentials in an external secret manager and deliver them with External Secrets Operator, the Secrets Store CSI driver or Vault injection; enable encryption at rest for the Secrets that remain.",
        checklist: ["secrets.external-manager"],
    }
}

/// Kinds that show secrets are managed outside plain Kubernetes Secrets.
const MANAGED_KINDS: &[&str] = &[
    "ExternalSecret",
    "ClusterExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "PushSecret",
    "SealedSecret",
    "SecretProviderClass",
    "VaultStaticSecret",
    "VaultDynamicSecret",
    "VaultPKISecret",
    "VaultAuth",
    "VaultConnection",
    "InfisicalSecret",
    "OnePasswordItem",
    "DopplerSecret",
    "AzureKeyVaultSecret",
    "SopsSecret",
];

/// Pod annotations of secret injectors.
const INJECTOR_ANNOTATIONS: &[&str] = &[
    "vault.hashicorp.com/agent-inject",
    "conjur.org/container-mode",
    "secrets.doppler.com/reload",
];

fn external_management(cx: &Context) -> bool {
    if cx.corpus.objects_of(MANAGED_KINDS).next().is_some() {
        return true;
    }
    // SOPS-encrypted documents (Secrets or anything else) and SOPS configuration.
    if cx
        .corpus
        .objects
        .iter()
        .any(|o| o.root.get("sops").is_some())
        || cx
            .corpus
            .other_yaml
            .iter()
            .any(|d| d.root.get("sops").is_some() || d.root.get("creation_rules").is_some())
    {
        return true;
    }
    cx.corpus
        .objects
        .iter()
        .filter_map(K8sObject::workload)
        .any(|w| {
            INJECTOR_ANNOTATIONS.iter().any(|a| {
                w.pod_annotation(a)
                    .and_then(Node::as_str)
                    .is_some_and(|v| !v.eq_ignore_ascii_case("false"))
            }) || w.volumes().iter().any(|v| {
                v.path(&["csi", "driver"]).and_then(Node::as_str)
                    == Some("secrets-store.csi.k8s.io")
            })
        })
}

/// Where a workload reads a Secret: the first `secretKeyRef`, `envFrom.secretRef` or secret
/// volume.
fn secret_use(o: &K8sObject) -> Option<&Node> {
    let w = o.workload()?;
    for c in w.containers() {
        for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
            if let Some(r) = e.path(&["valueFrom", "secretKeyRef"]) {
                return Some(r);
            }
        }
        for e in c.node.get("envFrom").map(Node::as_seq).unwrap_or(&[]) {
            if let Some(r) = e.get("secretRef") {
                return Some(r);
            }
        }
    }
    w.volumes().iter().find_map(|v| {
        v.get("secret").or_else(|| {
            v.path(&["projected", "sources"])
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .find_map(|s| s.get("secret"))
        })
    })
}

/// A Secret that holds credentials Kubernetes did not generate itself.
fn native_secret(o: &K8sObject) -> bool {
    let kind = o
        .root
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("Opaque");
    kind != "kubernetes.io/service-account-token" && o.root.get("sops").is_none()
}

impl Check for NoExternalSecretStore {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        if external_management(cx) {
            return;
        }
        // Per namespace: the Secret manifests, then the workloads that read Secrets.
        let mut by_ns: BTreeMap<&str, Vec<(&K8sObject, FileId, Location)>> = BTreeMap::new();
        for o in cx
            .corpus
            .objects_of(&["Secret"])
            .filter(|o| native_secret(o))
        {
            by_ns
                .entry(namespace(o))
                .or_default()
                .push((o, o.file, name_loc(o)));
        }
        for o in &cx.corpus.objects {
            if let Some(r) = secret_use(o) {
                by_ns
                    .entry(namespace(o))
                    .or_default()
                    .push((o, o.file, r.loc));
            }
        }
        for (ns, uses) in by_ns {
            let (first, file, loc) = uses[0];
            let secrets = uses.iter().filter(|(o, _, _)| o.kind == "Secret").count();
            let readers = uses.len() - secrets;
            let mut what = Vec::new();
            if secrets > 0 {
                what.push(format!("{secrets} Secret manifest(s)"));
            }
            if readers > 0 {
                what.push(format!("{readers} workload(s) reading Secrets"));
            }
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "Namespace `{ns}` relies on native Kubernetes Secrets ({}, e.g. {}) and nothing in the repository manages them in an external secret store: values are only base64-encoded, unaudited and rotated by hand",
                        what.join(" and "),
                        first.resource_id()
                    ),
                )
                .key(format!("namespace:{ns}"))
                .component(format!("namespace {ns}"))
                .infra(InfraType::Kubernetes);
            for (o, file, loc) in uses.iter().take(10) {
                f.also_at(*file, *loc);
                f.resource(o.resource_id());
            }
            for (o, _, _) in uses.iter().skip(10) {
                f.resource(o.resource_id());
            }
        }
    }
}

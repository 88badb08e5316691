use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started without `--encryption-provider-config`.
    ///
    /// ## Why is this bad?
    /// Without an encryption configuration the API server stores Secrets in etcd as base64
    /// text. Anyone who reads etcd directly, its data directory on disk or any of its
    /// snapshots and backups, gets every credential in the cluster without going through the
    /// API server's authentication, authorization or audit log.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    ///   - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml
    /// ```
    /// Point the flag at an `EncryptionConfiguration` whose first provider for `secrets` is
    /// `kms` (v2) or `aescbc`/`secretbox`, then rewrite existing Secrets so they get encrypted.
    pub struct EncryptionConfigMissing {
        id: "CP-ENCRYPTION-CONFIG-MISSING",
        title: "Secrets not encrypted at rest",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [311, 312],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_104", "kics:cbd2db69-0b21-4c14-8a40-7710a50571a9"],
        attack_scenario: "An attacker who obtains an etcd backup from an object-storage bucket decodes every Secret in it offline, cloud keys and database passwords included, without ever touching the API server.",
        mitigation: "Start kube-apiserver with `--encryption-provider-config` pointing at an EncryptionConfiguration that encrypts secrets with kms, aescbc or secretbox.",
        checklist: ["secrets.encrypted-at-rest"],
    }
}

impl Check for EncryptionConfigMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !inv.has_value("encryption-provider-config") {
                inv.report(out, w, inv.loc_of("encryption-provider-config"), format!("{} has no `--encryption-provider-config`, so Secrets are stored in etcd unencrypted", inv.describe(w)));
            }
        }
    }
}

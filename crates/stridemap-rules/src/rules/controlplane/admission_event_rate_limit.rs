use super::util::{admission_loc, invocations, Admission, Component};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that does not enable the `EventRateLimit` admission plugin, and
    /// `AdmissionConfiguration` files that configure other plugins but no `EventRateLimit`
    /// (the plugin cannot run without its configuration).
    ///
    /// ## Why is this bad?
    /// Events are written to etcd like any other object. A crash-looping workload, or a
    /// client that floods the API with events on purpose, can fill etcd and slow the whole
    /// control plane. `EventRateLimit` caps event creation per server, namespace, user or
    /// source object.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction,EventRateLimit
    ///   - --admission-control-config-file=/etc/kubernetes/admission.yaml
    /// ```
    /// Enable the plugin and give it limits in the `AdmissionConfiguration` file
    /// (`- name: EventRateLimit` with `path: eventconfig.yaml`).
    pub struct AdmissionNoEventRateLimit {
        id: "CP-ADMISSION-NO-EVENT-RATE-LIMIT",
        title: "EventRateLimit admission plugin not enabled",
        group: CiCdPipeline,
        stride: DenialOfService,
        severity: Low,
        cwe: [770],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_78", "kics:e0099af2-fe17-411f-9991-0de28fe15f3c"],
        attack_scenario: "A compromised workload posts Events in a tight loop; with no rate limit etcd grows until its quota is hit and the API server starts rejecting writes for the whole cluster.",
        mitigation: "Enable `EventRateLimit` in `--enable-admission-plugins` and configure its limits in the admission configuration file.",
    }
}

impl Check for AdmissionNoEventRateLimit {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("EventRateLimit") {
                inv.report(out, w, admission_loc(&inv, "EventRateLimit"), format!("{} does not enable the EventRateLimit admission plugin, so nothing limits how fast events are written to etcd", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "AdmissionConfiguration" {
            return;
        }
        let Some(plugins) = o.root.get("plugins").filter(|p| p.is_seq()) else {
            return;
        };
        let configured = plugins
            .as_seq()
            .iter()
            .any(|p| p.get("name").and_then(Node::as_str) == Some("EventRateLimit"));
        if !configured {
            on_object(out, o, plugins.loc, format!("{} configures admission plugins but not EventRateLimit, so events are not rate limited", o.resource_id()));
        }
    }
}

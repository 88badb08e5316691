use super::util::{
    clients, etcd_in_container, etcd_in_service, name_list, service_node, workload_node, EtcdServer,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Finding, Sink};
use stridemap_model::architecture::{ArchNode, Exposure};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::{Location, Severity};

declare_rule! {
    /// ## What it does
    /// Flags an etcd that other services use as their datastore or coordination service and
    /// that lets any client in: it listens on a network address, requires no client
    /// certificate (`--client-cert-auth`) and has no user authentication switched on (Bitnami's
    /// image with `ALLOW_NONE_AUTHENTICATION=yes` and no `ETCD_ROOT_PASSWORD`, or a plain etcd
    /// never given `etcdctl auth enable`), while a Service or a client flow in the
    /// architecture makes it reachable. Pods and Compose services are both checked.
    ///
    /// The control plane's own etcd (in `kube-system`, on the host network or labelled
    /// `tier: control-plane`) is left to the CP-ETCD-* rules. Those check each CIS flag of any
    /// etcd on its own (`--client-cert-auth`, certificate files); this rule is the system view
    /// of an application etcd: it stays quiet when a root password provides authentication or
    /// when etcd listens only on localhost, names the services that reach it, and also covers
    /// etcd run by Compose.
    ///
    /// ## Why is this bad?
    /// Services keep configuration, feature flags, leader locks and service registrations in
    /// such an etcd. With no authentication, every workload that can open a connection to port
    /// 2379 can read all keys and rewrite or delete them: point a service at another backend,
    /// steal a lock, or register a fake instance that the others then call.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: etcd
    ///     image: bitnami/etcd:3.5.16
    ///     env:
    ///       - name: ALLOW_NONE_AUTHENTICATION
    ///         value: "yes"
    ///       - name: ETCD_ADVERTISE_CLIENT_URLS
    ///         value: http://config-store:2379
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: etcd
    ///     image: bitnami/etcd:3.5.16
    ///     env:
    ///       - name: ETCD_ROOT_PASSWORD
    ///         valueFrom:
    ///           secretKeyRef: {name: config-store-auth, key: root-password}
    ///       - name: ETCD_ADVERTISE_CLIENT_URLS
    ///         value: https://config-store:2379
    /// ```
    /// Turn on authentication (a root password with per-service users and roles, or client
    /// certificates with `--client-cert-auth=true`) and serve clients over TLS.
    pub struct EtcdNoClientAuth {
        id: "DISC-ETCD-NO-CLIENT-AUTH",
        title: "Application etcd reachable without authentication",
        group: ServiceDiscovery,
        stride: InformationDisclosure,
        severity: High,
        cwe: [306, 284],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who compromises any pod in the cluster runs `etcdctl --endpoints http://config-store:2379 get --prefix /`, reads every service's configuration and credentials, then overwrites the key that tells the order service where the payment API lives.",
        mitigation: "Enable etcd authentication (a root password plus users and roles per service, or `--client-cert-auth=true` with a trusted CA), serve clients over https, and restrict who can reach port 2379 with a NetworkPolicy.",
    }
}

impl Check for EtcdNoClientAuth {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        if control_plane(w) {
            return;
        }
        for c in w.containers() {
            let Some(etcd) = etcd_in_container(c) else {
                continue;
            };
            let Some(node) = workload_node(cx, w.object) else {
                continue;
            };
            let Some(judgement) = judge(&etcd, node, cx) else {
                continue;
            };
            let description = format!(
                "etcd in {} of {} {}",
                c.describe(),
                w.object.resource_id(),
                judgement.text
            );
            let f = on_container(out, w, &c, judgement.loc, description);
            judgement.finish(f);
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        cx: &Context,
        out: &mut Sink,
    ) {
        let Some(etcd) = etcd_in_service(service) else {
            return;
        };
        let Some(node) = service_node(cx, service) else {
            return;
        };
        let Some(judgement) = judge(&etcd, node, cx) else {
            return;
        };
        let description = format!(
            "etcd in Compose service `{}` {}",
            service.name, judgement.text
        );
        let f = on_service(out, compose, service, judgement.loc, description);
        judgement.finish(f);
    }
}

/// The control plane's etcd: kubeadm static pods and the like, which CP-ETCD-* rules cover.
fn control_plane(w: &Workload) -> bool {
    let tier = w
        .pod_metadata
        .and_then(|m| m.path(&["labels", "tier"]))
        .and_then(|n| n.as_str());
    w.namespace() == "kube-system"
        || w.enabled("hostNetwork").is_some()
        || tier == Some("control-plane")
}

struct Judgement {
    text: String,
    loc: Location,
    severity: Severity,
    also: Vec<(stridemap_model::FileId, Location)>,
}

impl Judgement {
    fn finish(self, f: &mut Finding) {
        f.severity(self.severity);
        for (file, loc) in self.also {
            f.also_at(file, loc);
        }
    }
}

fn judge(etcd: &EtcdServer, node: &ArchNode, cx: &Context) -> Option<Judgement> {
    if etcd.cert_auth() || etcd.user_auth().is_some() {
        return None;
    }
    let urls = etcd.network_urls();
    if urls.is_empty() {
        return None;
    }
    let flows = clients(cx, node);
    if node.exposure == Exposure::Internal && flows.is_empty() {
        return None;
    }
    let (_, urls_loc) = etcd.client_urls();
    let loc = etcd
        .none_allowed()
        .or(etcd.flag("client-cert-auth").map(|f| f.node.loc))
        .or(urls_loc)
        .unwrap_or(etcd.anchor);
    let how = if etcd.none_allowed().is_some() {
        " (`ALLOW_NONE_AUTHENTICATION=yes`, no root password)"
    } else {
        ""
    };
    let plain = if urls.iter().all(|u| u.starts_with("http://")) {
        ", in plain HTTP"
    } else {
        ""
    };
    let reach = if !flows.is_empty() {
        let names: Vec<String> = flows
            .iter()
            .filter_map(|f| cx.arch.node(&f.from).map(|n| n.name.clone()))
            .collect();
        format!("; used by {}", name_list(&names))
    } else if node.exposure == Exposure::Internet {
        "; reachable from outside the cluster".to_string()
    } else if !node.k8s_services.is_empty() {
        format!(
            "; reachable by any pod through Service {}",
            name_list(&node.k8s_services)
        )
    } else {
        "; reachable by every service on its network".to_string()
    };
    Some(Judgement {
        text: format!(
            "accepts clients on {} with neither client certificates nor user authentication{how}{plain}{reach}",
            urls.join(", ")
        ),
        loc,
        severity: if node.exposure == Exposure::Internet {
            Severity::Critical
        } else {
            Severity::High
        },
        also: flows.iter().filter_map(|f| f.loc).collect(),
    })
}

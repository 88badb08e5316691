use super::util::{
    clients, consul_in_container, consul_in_service, name_list, service_node, workload_node,
    ConsulAgent,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Finding, Sink};
use stridemap_model::architecture::{ArchNode, Exposure};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags Consul agents and servers whose HTTP API answers on a network address while ACLs
    /// are off: no `acl { enabled = true }` (or pre-1.4 `acl_datacenter`) in the configuration
    /// the agent reads, or ACLs with `default_policy = "allow"`. The configuration is read from
    /// the agent's flags (`-client`, `-hcl`, `-dev`), the official image's
    /// `CONSUL_LOCAL_CONFIG`, ConfigMaps mounted into its configuration directories and JSON
    /// files a Compose service mounts from the repository. When part of the configuration
    /// cannot be read (a Secret, a volume filled at start-up, a file outside the repository)
    /// the rule stays quiet. Helm values are not rendered.
    ///
    /// The image's default command (`agent -dev -client 0.0.0.0`) counts as a dev agent on
    /// every interface. An agent whose client address is the loopback (Consul's default) is not
    /// reported: only its own pod can call it.
    ///
    /// ## Why is this bad?
    /// Consul is where services find each other. Without ACLs, anyone who can reach port 8500
    /// can register a service under an existing name and receive its traffic, deregister
    /// healthy instances, read and rewrite the KV store (configuration, feature flags, often
    /// credentials) and, with script checks on, run commands on the agent. The API is usually
    /// plain HTTP as well, so even a token added later would travel in clear.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: consul
    ///     image: hashicorp/consul:1.19.2
    ///     args: ["agent", "-server", "-client=0.0.0.0", "-bootstrap-expect=3"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: consul
    ///     image: hashicorp/consul:1.19.2
    ///     args: ["agent", "-server", "-client=0.0.0.0", "-bootstrap-expect=3",
    ///            "-hcl=acl { enabled = true, default_policy = \"deny\" }"]
    /// ```
    /// Enable ACLs with a deny-by-default policy, bootstrap tokens for each service, and serve
    /// the API over HTTPS (`ports { https = 8501, http = -1 }`).
    pub struct ConsulNoAcl {
        id: "DISC-CONSUL-NO-ACL",
        title: "Consul API reachable without ACLs",
        group: ServiceDiscovery,
        stride: Spoofing,
        severity: High,
        cwe: [306, 284],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "A compromised pod sends `PUT /v1/agent/service/register` for a service named `payments` with its own address; consumers resolving `payments.service.consul` start sending it card data, while it reads the KV store's database credentials with `GET /v1/kv/?recurse`.",
        mitigation: "Enable ACLs with `default_policy = \"deny\"`, give every service and agent its own token, bind the HTTP API to loopback or serve it over HTTPS only, and restrict access to port 8500 with NetworkPolicies.",
    }
}

impl Check for ConsulNoAcl {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(agent) = consul_in_container(cx.corpus, w, &c) else {
                continue;
            };
            let Some(text) = judge(&agent) else { continue };
            let description = format!(
                "{} in {} of {} {text}",
                role(&agent),
                c.describe(),
                w.object.resource_id()
            );
            let f = on_container(out, w, &c, loc(&agent), description);
            finish(f, &agent, workload_node(cx, w.object), cx);
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        cx: &Context,
        out: &mut Sink,
    ) {
        let Some(agent) = consul_in_service(cx.corpus, compose, service) else {
            return;
        };
        let Some(text) = judge(&agent) else { return };
        let description = format!(
            "{} in Compose service `{}` {text}",
            role(&agent),
            service.name
        );
        let f = on_service(out, compose, service, loc(&agent), description);
        finish(f, &agent, service_node(cx, service), cx);
    }
}

fn role(agent: &ConsulAgent) -> &'static str {
    if agent.dev {
        "Consul dev agent"
    } else if agent.settings.server == Some(true) {
        "Consul server"
    } else {
        "Consul agent"
    }
}

fn loc(agent: &ConsulAgent) -> stridemap_model::Location {
    agent.acl_loc.or(agent.client_loc).unwrap_or(agent.anchor)
}

fn judge(agent: &ConsulAgent) -> Option<String> {
    if !agent.unknown.is_empty() || agent.acl_enforced() || !agent.api_reachable() {
        return None;
    }
    let acl = match (
        agent.settings.acl_enabled,
        agent.settings.acl_default_policy.as_deref(),
    ) {
        (Some(true), _) => "with ACLs that allow by default (`default_policy = \"allow\"`)",
        (Some(false), _) => "with ACLs disabled",
        _ => "without ACLs",
    };
    let addr = agent.settings.client_addr.as_deref().unwrap_or("");
    let addr = if addr == "interface" {
        "the pod's network interface".to_string()
    } else {
        format!("`{addr}`")
    };
    let plain = if agent.plaintext_http() {
        " over plain HTTP"
    } else {
        ""
    };
    Some(format!(
        "serves its HTTP API on {addr}{plain} {acl}: any client can register or deregister services and read and write the KV store"
    ))
}

fn finish(f: &mut Finding, _agent: &ConsulAgent, node: Option<&ArchNode>, cx: &Context) {
    let Some(node) = node else { return };
    if node.exposure == Exposure::Internet {
        f.severity(Severity::Critical);
    }
    let flows = clients(cx, node);
    if !flows.is_empty() {
        let names: Vec<String> = flows
            .iter()
            .filter_map(|fl| cx.arch.node(&fl.from).map(|n| n.name.clone()))
            .collect();
        f.description
            .push_str(&format!(" (clients: {})", name_list(&names)));
        for fl in flows {
            if let Some((file, loc)) = fl.loc {
                f.also_at(file, loc);
            }
        }
    }
}

use super::util::{self, details, group, group_name, kafka_configs, Place};
use crate::rules::s2s::util::Files;
use crate::{Check, Context, Sink};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Kafka brokers whose topics are open to every client that gets in:
    /// `allow.everyone.if.no.acl.found=true` (in properties files, ConfigMaps, `KAFKA_*` /
    /// `KAFKA_CFG_*` environment, or a Strimzi resource's `spec.kafka.config`), and brokers that
    /// authenticate their clients but run no authorizer at all (no `authorizer.class.name`, no
    /// Strimzi `spec.kafka.authorization`). A broker without authentication is reported by
    /// MQ-KAFKA-NO-AUTH instead of twice; configurations that are partly outside the scan (an
    /// `env_file`, a mounted configuration file) are not judged on a missing authorizer.
    ///
    /// ## Why is this bad?
    /// Authentication only says who a client is; ACLs decide what it may do. With no
    /// authorizer, or with the "allow everyone when no ACL matches" fallback, any principal —
    /// the log shipper, a test client, a compromised low-value service — may read payment
    /// topics, write to topics it should only consume, delete topics, alter consumer group
    /// offsets or change topic configuration. A topic nobody remembered to protect is public.
    ///
    /// ## Example
    /// ```properties
    /// listeners=SASL_SSL://0.0.0.0:9093
    /// sasl.enabled.mechanisms=SCRAM-SHA-512
    /// authorizer.class.name=kafka.security.authorizer.AclAuthorizer
    /// allow.everyone.if.no.acl.found=true
    /// ```
    ///
    /// ## Use instead
    /// ```properties
    /// listeners=SASL_SSL://0.0.0.0:9093
    /// sasl.enabled.mechanisms=SCRAM-SHA-512
    /// authorizer.class.name=kafka.security.authorizer.AclAuthorizer
    /// allow.everyone.if.no.acl.found=false
    /// super.users=User:kafka-admin
    /// ```
    /// Deny by default and grant each service principal `Read`/`Write` on its own topics only
    /// (`kafka-acls --add --allow-principal User:orders --operation Write --topic order-events`).
    pub struct KafkaOpenAcls {
        id: "MQ-KAFKA-OPEN-ACLS",
        title: "Kafka topics open to every client",
        group: MessageQueue,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284, 862],
        infra: [Kafka, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who compromises a minor service with Kafka access uses its identity to consume the payment topic, publish refund requests the refund worker executes, and delete the audit topic — nothing limits which topics a principal may touch.",
        mitigation: "Enable an authorizer (`authorizer.class.name`, Strimzi `authorization.type: simple`), set `allow.everyone.if.no.acl.found=false` and grant per-topic ACLs to each service principal.",
    }
}

impl Check for KafkaOpenAcls {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        for cfg in kafka_configs(cx) {
            let authorizer = cfg.authorizer().cloned();
            if let Some(s) = cfg
                .get("allow.everyone.if.no.acl.found")
                .filter(|s| s.is_true())
            {
                let note = if authorizer.is_none() && !cfg.opaque {
                    " with no authorizer configured"
                } else {
                    ""
                };
                places.push(Place {
                    unit: cfg.unit.clone(),
                    at: s.at(),
                    detail: format!("`allow.everyone.if.no.acl.found=true`{note}"),
                    via: if s.written == "allow.everyone.if.no.acl.found" {
                        String::new()
                    } else {
                        format!("`{}`", s.written)
                    },
                    also: Vec::new(),
                    severity: Severity::High,
                });
                continue;
            }
            if authorizer.is_some() || cfg.opaque {
                continue;
            }
            let listeners = cfg.listeners();
            let reachable: Vec<_> = listeners.iter().filter(|l| !l.local).collect();
            // Without authentication the broker is reported by MQ-KAFKA-NO-AUTH.
            if reachable.is_empty() || reachable.iter().any(|l| !l.authenticated) {
                continue;
            }
            let what = match &cfg.strimzi {
                Some(_) => "authenticated listeners but no `spec.kafka.authorization`".to_string(),
                None => "authenticated listeners but no `authorizer.class.name`".to_string(),
            };
            let at = match &cfg.strimzi {
                Some(s) => s.kafka.at(),
                None => reachable[0].setting.at(),
            };
            places.push(Place {
                unit: cfg.unit.clone(),
                at,
                detail: what,
                via: String::new(),
                also: Vec::new(),
                severity: Severity::Medium,
            });
        }
        for g in group(places) {
            let name = group_name(&g);
            let description = format!(
                "Kafka broker `{name}` does not restrict topics to the principals meant to use them: {}; any client that connects may read, write or delete every topic no ACL explicitly protects",
                details(&g)
            );
            util::report(
                out,
                &files,
                &g,
                "kafka-open-acls",
                description,
                InfraType::Kafka,
            )
            .component(format!("Kafka cluster {name}"))
            .component("all topics");
        }
    }
}

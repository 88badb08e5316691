use super::util::{self, details, group, group_name, rabbit_configs, Place, RabbitConfig};
use crate::rules::s2s::util::Files;
use crate::{Check, Context, Sink};
use stridemap_model::{FileId, InfraType, Location, Severity};

declare_rule! {
    /// ## What it does
    /// Flags RabbitMQ servers (containers of the official or Bitnami image in manifests and
    /// Compose files) that run with a well-known account:
    /// - the official image with neither `RABBITMQ_DEFAULT_USER`/`RABBITMQ_DEFAULT_PASS` nor
    ///   `default_user`/`default_pass` in a mounted `rabbitmq.conf`: it creates `guest`/`guest`,
    ///   and its bundled configuration lets `guest` log in from the network;
    /// - `guest`/`guest` set explicitly, or a user whose password is left at the default;
    /// - the Bitnami image without `RABBITMQ_PASSWORD` (its default password is public);
    /// - `loopback_users = none` (or `loopback_users.guest = false`) with the guest account.
    ///
    /// Credentials taken from Secrets or files count as set. Servers whose configuration is
    /// mounted from outside the scan are not judged, and operator-managed `RabbitmqCluster`
    /// resources are skipped (the operator generates the default user's password). When the
    /// management UI or the AMQP port is reachable from outside, the finding is critical.
    ///
    /// ## Why is this bad?
    /// The default account is an administrator of the default virtual host and of the
    /// management API. Anyone who can reach the broker logs in with credentials printed in
    /// every tutorial, reads and purges every queue, publishes forged messages that consumers
    /// trust, and creates users for later.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: rabbitmq
    ///     image: rabbitmq:3.13-management
    ///     ports:
    ///       - containerPort: 5672
    ///       - containerPort: 15672
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: rabbitmq
    ///     image: rabbitmq:3.13-management
    ///     env:
    ///       - name: RABBITMQ_DEFAULT_USER
    ///         valueFrom: {secretKeyRef: {name: rabbitmq-admin, key: username}}
    ///       - name: RABBITMQ_DEFAULT_PASS
    ///         valueFrom: {secretKeyRef: {name: rabbitmq-admin, key: password}}
    /// ```
    /// Create the administrator from a Secret, give each service its own user with permissions
    /// on its own queues, and delete `guest`.
    pub struct RabbitmqDefaultUser {
        id: "MQ-RABBITMQ-DEFAULT-USER",
        title: "RabbitMQ with default credentials",
        group: MessageQueue,
        stride: Spoofing,
        severity: High,
        cwe: [1392, 287],
        infra: [Rabbitmq, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who reaches port 5672 or the management UI logs in as guest/guest, reads the order queue, publishes forged shipping messages the consumer executes, and adds an administrator account of their own.",
        mitigation: "Set `RABBITMQ_DEFAULT_USER`/`RABBITMQ_DEFAULT_PASS` (or `default_user`/`default_pass`) from a Secret, remove the guest user, keep `loopback_users.guest = true`, and give each service a user limited to its vhost and queues.",
    }
}

/// What is wrong with the accounts of one server: where to point, what to say, and the other
/// places involved.
type Verdict = ((FileId, Location), String, Vec<(FileId, Location)>);

fn judge(r: &RabbitConfig) -> Option<Verdict> {
    if r.operator.is_some() {
        return None;
    }
    let (user_var, pass_var, default_user, default_pass) = if r.bitnami {
        ("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "user", "bitnami")
    } else {
        (
            "RABBITMQ_DEFAULT_USER",
            "RABBITMQ_DEFAULT_PASS",
            "guest",
            "guest",
        )
    };
    // The value (`None` when it comes from a Secret or a file), where it is set, and whether it
    // is the image's default.
    type Picked = (Option<String>, Option<(FileId, Location)>, bool);
    let pick = |var: &str, conf: Option<&util::Setting>, default: &str| -> Option<Picked> {
        if r.env_set(var) {
            let e = r.env.get(var);
            return Some((
                e.and_then(|e| e.value.clone()),
                e.map(|e| (e.file, e.loc)),
                false,
            ));
        }
        if let Some(s) = conf {
            return Some((Some(s.value.clone()), Some(s.at()), false));
        }
        if r.opaque {
            return None;
        }
        Some((Some(default.to_string()), None, true))
    };
    let conf_user = if r.bitnami {
        None
    } else {
        r.conf.get("default_user")
    };
    let conf_pass = if r.bitnami {
        None
    } else {
        r.conf.get("default_pass")
    };
    let (user, user_at, _) = pick(user_var, conf_user, default_user)?;
    let (pass, pass_at, pass_default) = pick(pass_var, conf_pass, default_pass)?;
    let loopback = r
        .conf
        .get("loopback_users.guest")
        .or_else(|| r.conf.get("loopback_users"));
    let loopback_value = loopback.map(|l| l.value.trim().to_ascii_lowercase());
    let remote_guest = matches!(loopback_value.as_deref(), Some("none" | "false"));
    let guest_local_only = matches!(loopback_value.as_deref(), Some("true" | "guest"));
    let set_at = user_at.or(pass_at);
    let mut also: Vec<(FileId, Location)> = pass_at.into_iter().collect();
    match (user.as_deref(), pass.as_deref()) {
        (Some("guest"), Some("guest")) => {
            if guest_local_only {
                return None;
            }
            let (text, at) = match (set_at, remote_guest, loopback) {
                (_, true, Some(l)) => {
                    also.push(l.at());
                    (
                        format!(
                            "the `guest`/`guest` account, allowed to log in from the network by `{} = {}`",
                            l.written,
                            l.value.trim()
                        ),
                        set_at.unwrap_or(l.at()),
                    )
                }
                (Some(at), _, _) => ("`guest`/`guest` set explicitly".to_string(), at),
                (None, _, _) => (
                    "the default `guest`/`guest` account, which the official image lets log in from the network"
                        .to_string(),
                    r.anchor,
                ),
            };
            Some((at, text, also))
        }
        (_, Some(p)) if p == default_pass && pass_default => {
            let who = user.map_or("its user".to_string(), |u| format!("`{u}`"));
            let text = if r.bitnami {
                format!("{who} with the Bitnami image's public default password, as `{pass_var}` is not set")
            } else {
                format!("{who} with the default password `guest`, as `{pass_var}` is not set")
            };
            Some((set_at.unwrap_or(r.anchor), text, also))
        }
        _ => None,
    }
}

impl Check for RabbitmqDefaultUser {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        let mut managed = std::collections::BTreeSet::new();
        for r in rabbit_configs(cx) {
            if r.management {
                managed.insert(r.unit.group.clone());
            }
            let Some((at, detail, also)) = judge(&r) else {
                continue;
            };
            places.push(Place {
                unit: r.unit.clone(),
                at,
                detail,
                via: String::new(),
                also,
                severity: Severity::High,
            });
        }
        for g in group(places) {
            let name = group_name(&g);
            let management = g.iter().any(|p| managed.contains(&p.unit.group));
            let exposed: Vec<_> = g[0]
                .unit
                .node
                .map(|n| util::entry_points(cx, n))
                .unwrap_or_default();
            let reach = if exposed.is_empty() {
                "anyone who reaches the broker".to_string()
            } else {
                format!(
                    "anyone on the internet (through {})",
                    util::names(exposed.iter().map(|(e, _)| e.name.as_str()))
                )
            };
            let description = format!(
                "RabbitMQ `{name}` runs with well-known credentials — {}: {reach} can log in as an administrator{}, read and purge every queue and publish forged messages",
                details(&g),
                if management {
                    " (over AMQP and in the management UI)"
                } else {
                    ""
                }
            );
            let f = util::report(
                out,
                &files,
                &g,
                "rabbitmq-default-user",
                description,
                InfraType::Rabbitmq,
            );
            f.component(format!("RabbitMQ {name}"))
                .component("all queues");
            if !exposed.is_empty() {
                f.severity(Severity::Critical);
                for (e, flow) in &exposed {
                    if let Some((file, loc)) = flow.loc {
                        f.also_at(file, loc);
                    }
                    f.resource(crate::rules::s2s::util::entry_resource(e));
                }
            }
        }
    }
}

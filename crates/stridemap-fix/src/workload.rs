//! Hardening of containers that lack it: the `securityContext` keys and `resources` that the
//! threats found ask for, added to the container's block in the manifest (an edit applied only
//! with `--write`, or as `edits.patch`) and, for Kustomize users, as a strategic-merge patch
//! per workload (written to `--out` only, never into the project: the scanner reads manifests
//! as they are, so a patch beside them would close nothing it sees).
//!
//! Only fields the container does not write are added, and a threat is claimed only when its
//! finding points at the container itself (the field is missing there, not set to a bad value
//! here or on the pod).

use crate::input::{Block, ContainerSite, FixInput};
use crate::{claim, object_name, yaml, Change, Plan};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What each rule asks of a container's security context: (key, value).
fn security_keys(rule: &str) -> &'static [(&'static str, &'static str)] {
    match rule {
        "CTR-PRIVILEGE-ESCALATION" => &[("allowPrivilegeEscalation", "false")],
        "CTR-WRITABLE-ROOT-FILESYSTEM" => &[("readOnlyRootFilesystem", "true")],
        "CTR-RUN-AS-ROOT" => &[("runAsNonRoot", "true")],
        "CTR-LOW-UID" => &[("runAsUser", "10001")],
        "CTR-SECCOMP-UNCONFINED" => &[("seccompProfile", "{type: RuntimeDefault}")],
        "CTR-CAPABILITIES-NOT-DROPPED" | "CTR-NET-RAW" => &[("capabilities", "{drop: [ALL]}")],
        "CTR-NO-SECURITY-CONTEXT" => &[("allowPrivilegeEscalation", "false")],
        _ => &[],
    }
}

const RESOURCE_RULES: &[&str] = &[
    "CTR-NO-CPU-LIMIT",
    "CTR-NO-MEMORY-LIMIT",
    "CTR-NO-RESOURCE-REQUESTS",
];

/// Starting values for `resources`, to be sized to the workload.
const RESOURCES: &[&str] = &[
    "requests: {cpu: 100m, memory: 128Mi}",
    "limits: {cpu: 500m, memory: 256Mi}",
];

/// The JSON value of one of the YAML snippets above (for the Kustomize patch).
fn json_of(key: &str, value: &str) -> Value {
    match (key, value) {
        ("seccompProfile", _) => json!({"type": "RuntimeDefault"}),
        ("capabilities", _) => json!({"drop": ["ALL"]}),
        (_, "true") => json!(true),
        (_, "false") => json!(false),
        (_, v) => v.parse::<i64>().map_or_else(|_| json!(v), |n| json!(n)),
    }
}

#[derive(Default)]
struct Wanted<'a> {
    security: BTreeMap<&'static str, &'static str>,
    resources: bool,
    threats: Vec<&'a stridemap_model::Threat>,
}

pub fn generate(input: &FixInput, plan: &mut Plan) {
    // Containers by (file, resource), in line order.
    let mut sites: BTreeMap<(&str, &str), Vec<&ContainerSite>> = BTreeMap::new();
    for s in input
        .containers
        .iter()
        .filter(|s| s.kind != "ComposeService")
    {
        sites.entry((&s.file, &s.resource)).or_default().push(s);
    }
    let mut wanted: BTreeMap<usize, Wanted> = BTreeMap::new();
    let index_of = |s: &ContainerSite| {
        input
            .containers
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .expect("a site of the input")
    };
    for t in &input.report.threats {
        let security = security_keys(&t.rule);
        let resources = RESOURCE_RULES.contains(&t.rule);
        if security.is_empty() && !resources {
            continue;
        }
        let Some(ev) = t.evidence.first() else {
            continue;
        };
        let Some(site) = t
            .affected_resources
            .iter()
            .filter_map(|r| sites.get(&(ev.file.as_str(), r.as_str())))
            .flatten()
            .find(|s| anchored_here(s, ev.line))
        else {
            continue;
        };
        if site.insert.is_none() && site.security_context == Block::Absent {
            continue;
        }
        let w = wanted.entry(index_of(site)).or_default();
        if resources {
            if site.has_resources || site.insert.is_none() {
                continue;
            }
            w.resources = true;
        }
        let mut ok = true;
        for (k, v) in security {
            match &site.security_context {
                Block::Map { keys, .. } if keys.contains(*k) => ok = false,
                Block::Other => ok = false,
                _ => {
                    w.security.insert(k, v);
                }
            }
        }
        if ok {
            w.threats.push(t);
        }
    }
    // Edits per file, applied from the bottom up so earlier lines keep their numbers.
    let mut edits: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    let mut patches: BTreeMap<(&str, &str), Vec<(usize, &Wanted)>> = BTreeMap::new();
    for (i, w) in &wanted {
        if w.threats.is_empty() {
            continue;
        }
        let site = &input.containers[*i];
        let list = |resources: Option<bool>| {
            let ids: Vec<String> = w
                .threats
                .iter()
                .filter(|t| resources.is_none_or(|r| RESOURCE_RULES.contains(&t.rule) == r))
                .map(|t| format!("{} ({})", t.id, t.rule))
                .collect();
            format!("stridemap fix: closes {}", ids.join(", "))
        };
        let comment = list(None);
        match (&site.security_context, site.insert) {
            (Block::Map { line, indent, .. }, _) if !w.security.is_empty() => {
                let pad = " ".repeat(*indent);
                let mut text = format!("{pad}# {}\n", list(Some(false)));
                for (k, v) in &w.security {
                    text.push_str(&format!("{pad}{k}: {v}\n"));
                }
                edits
                    .entry(site.file.clone())
                    .or_default()
                    .push((line - 1, text));
                if w.resources {
                    if let Some((after, indent)) = site.insert {
                        let pad = " ".repeat(indent);
                        let mut text = format!(
                            "{pad}# {}\n{pad}resources:  # starting values: size them to the workload\n",
                            list(Some(true))
                        );
                        for r in RESOURCES {
                            text.push_str(&format!("{pad}  {r}\n"));
                        }
                        edits
                            .entry(site.file.clone())
                            .or_default()
                            .push((after, text));
                    }
                }
            }
            (_, Some((after, indent))) => {
                let pad = " ".repeat(indent);
                let mut text = format!("{pad}# {comment}\n");
                if !w.security.is_empty() {
                    text.push_str(&format!("{pad}securityContext:\n"));
                    for (k, v) in &w.security {
                        text.push_str(&format!("{pad}  {k}: {v}\n"));
                    }
                }
                if w.resources {
                    text.push_str(&format!(
                        "{pad}resources:  # starting values: size them to the workload\n"
                    ));
                    for r in RESOURCES {
                        text.push_str(&format!("{pad}  {r}\n"));
                    }
                }
                edits
                    .entry(site.file.clone())
                    .or_default()
                    .push((after, text));
            }
            _ => continue,
        }
        plan.claims
            .extend(w.threats.iter().map(|t| claim(t, &site.file)));
        patches
            .entry((&site.file, &site.resource))
            .or_default()
            .push((*i, w));
    }
    compose(input, plan, &mut edits);
    dockerfiles(input, plan, &mut edits);
    for (file, mut inserts) in edits {
        let Some(before) = input.files.get(&file) else {
            continue;
        };
        inserts.sort_by(|a, b| b.0.cmp(&a.0));
        let mut lines: Vec<String> = before.split_inclusive('\n').map(str::to_string).collect();
        if lines.last().is_some_and(|l| !l.ends_with('\n')) {
            lines.last_mut().expect("a last line").push('\n');
        }
        for (after, text) in inserts {
            let at = (after as usize).min(lines.len());
            lines.insert(at, text);
        }
        let after: String = lines.concat();
        let count = after.matches("# stridemap fix: closes").count();
        plan.changes.push(Change {
            path: file.clone(),
            before: Some(before.clone()),
            after,
            summary: format!("hardening added to {count} container(s) or service(s)"),
        });
    }
    for ((file, resource), containers) in patches {
        let site = &input.containers[containers[0].0];
        plan.extras.push(Change {
            path: format!(
                "kustomize-patches/{}.yaml",
                object_name(&[
                    file.trim_end_matches(".yaml").trim_end_matches(".yml"),
                    resource
                ])
            ),
            before: None,
            after: kustomize_patch(input, site, &containers),
            summary: format!("strategic-merge patch of {resource} in {file}"),
        });
    }
}

/// Whether a finding at `line` points at the container itself rather than at a value set
/// somewhere.
fn anchored_here(site: &ContainerSite, line: u32) -> bool {
    site.anchors.contains(&line)
}

/// What each rule asks of a Compose service: (key, value), added when the key is absent.
fn compose_keys(rule: &str) -> &'static [(&'static str, &'static str)] {
    match rule {
        "CTR-PRIVILEGE-ESCALATION" => &[("security_opt", "[\"no-new-privileges:true\"]")],
        "CTR-CAPABILITIES-NOT-DROPPED" | "CTR-NET-RAW" => &[("cap_drop", "[ALL]")],
        "CTR-NO-CPU-LIMIT" => &[("cpus", "0.5")],
        "CTR-NO-MEMORY-LIMIT" => &[("mem_limit", "256m")],
        "CTR-NO-PIDS-LIMIT" => &[("pids_limit", "200")],
        "CTR-WRITABLE-ROOT-FILESYSTEM" => &[("read_only", "true")],
        _ => &[],
    }
}

/// The user images switch to when their Dockerfile runs as root.
const IMAGE_USER: &str = "10001:10001";

/// Dockerfiles whose final stage runs as root: a `USER` before the trailing CMD/ENTRYPOINT.
fn dockerfiles(
    input: &FixInput,
    plan: &mut Plan,
    edits: &mut BTreeMap<String, Vec<(u32, String)>>,
) {
    for d in &input.dockerfiles {
        let root = d.user.as_deref().is_none_or(|u| {
            let name = u.split(':').next().unwrap_or("").trim();
            name == "root" || name == "0"
        });
        if !root {
            continue;
        }
        let threats: Vec<&stridemap_model::Threat> = input
            .report
            .threats
            .iter()
            .filter(|t| matches!(t.rule, "DKR-MISSING-USER" | "DKR-USER-ROOT"))
            .filter(|t| t.evidence.first().is_some_and(|e| e.file == d.file))
            .collect();
        if threats.is_empty() {
            continue;
        }
        let ids: Vec<String> = threats
            .iter()
            .map(|t| format!("{} ({})", t.id, t.rule))
            .collect();
        let text = format!(
            "# stridemap fix: closes {}; the image's files the process needs must be readable by this user\nUSER {IMAGE_USER}\n",
            ids.join(", ")
        );
        edits
            .entry(d.file.clone())
            .or_default()
            .push((d.insert_after, text));
        plan.claims
            .extend(threats.iter().map(|t| claim(t, &d.file)));
    }
}

/// Compose services: the keys the threats ask for, added after the service's first line.
fn compose(input: &FixInput, plan: &mut Plan, edits: &mut BTreeMap<String, Vec<(u32, String)>>) {
    let sites: BTreeMap<(&str, &str), &ContainerSite> = input
        .containers
        .iter()
        .filter(|s| s.kind == "ComposeService")
        .map(|s| ((s.file.as_str(), s.resource.as_str()), s))
        .collect();
    let mut wanted: BTreeMap<(&str, &str), (BTreeMap<&str, &str>, Vec<&stridemap_model::Threat>)> =
        BTreeMap::new();
    for t in &input.report.threats {
        let keys = compose_keys(&t.rule);
        let (Some(ev), false) = (t.evidence.first(), keys.is_empty()) else {
            continue;
        };
        let Some(site) = t
            .affected_resources
            .iter()
            .find_map(|r| sites.get(&(ev.file.as_str(), r.as_str())))
        else {
            continue;
        };
        // Limits written under `deploy` count too; leave such services alone.
        let blocked = site.keys.contains("deploy") && t.rule.starts_with("CTR-NO-");
        if !anchored_here(site, ev.line)
            || site.insert.is_none()
            || blocked
            || keys.iter().any(|(k, _)| site.keys.contains(*k))
        {
            continue;
        }
        let w = wanted
            .entry((site.file.as_str(), site.resource.as_str()))
            .or_default();
        w.0.extend(keys.iter().copied());
        w.1.push(t);
    }
    for ((file, resource), (keys, threats)) in wanted {
        let site = sites[&(file, resource)];
        let (after, indent) = site.insert.expect("checked");
        let pad = " ".repeat(indent);
        let ids: Vec<String> = threats
            .iter()
            .map(|t| format!("{} ({})", t.id, t.rule))
            .collect();
        let mut text = format!("{pad}# stridemap fix: closes {}\n", ids.join(", "));
        for (k, v) in keys {
            text.push_str(&format!("{pad}{k}: {v}\n"));
        }
        edits
            .entry(site.file.clone())
            .or_default()
            .push((after, text));
        plan.claims
            .extend(threats.iter().map(|t| claim(t, &site.file)));
    }
}

fn kustomize_patch(
    input: &FixInput,
    site: &ContainerSite,
    containers: &[(usize, &Wanted)],
) -> String {
    let mut by_list: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut ids = Vec::new();
    for (i, w) in containers {
        let c = &input.containers[*i];
        let mut entry = Map::new();
        entry.insert("name".into(), json!(c.container));
        if !w.security.is_empty() {
            let sc: Map<String, Value> = w
                .security
                .iter()
                .map(|(k, v)| (k.to_string(), json_of(k, v)))
                .collect();
            entry.insert("securityContext".into(), Value::Object(sc));
        }
        if w.resources {
            entry.insert(
                "resources".into(),
                json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}),
            );
        }
        by_list
            .entry(c.list)
            .or_default()
            .push(Value::Object(entry));
        ids.extend(w.threats.iter().map(|t| format!("{} ({})", t.id, t.rule)));
    }
    let mut pod = Map::new();
    for (list, entries) in by_list {
        pod.insert(list.into(), Value::Array(entries));
    }
    let mut value = Value::Object(pod);
    for key in site.pod_spec_path.iter().rev() {
        value = json!({ *key: value });
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(site.name));
    if let Some(ns) = &site.namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), json!(site.api_version));
    object.insert("kind".into(), json!(site.kind));
    object.insert("metadata".into(), Value::Object(metadata));
    if let Value::Object(spec) = value {
        object.extend(spec);
    }
    yaml::document(
        &[
            format!(
                "Strategic-merge patch of {} ({}); list it under `patches:` in your kustomization.",
                site.resource, site.file
            ),
            format!("Closes {}.", ids.join(", ")),
        ],
        &Value::Object(object),
    )
}

/// Claims of this module, for tests.
#[cfg(test)]
fn claimed(plan: &Plan) -> Vec<&crate::Claim> {
    plan.claims.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::tests::report;
    use crate::input::ContainerSite;
    use stridemap_model::{Evidence, Threat};

    fn threat(id: &str, rule: &'static str, line: u32) -> Threat {
        Threat {
            id: id.into(),
            category: stridemap_model::Stride::ElevationOfPrivilege,
            title: "".into(),
            description: String::new(),
            severity: stridemap_model::Severity::Medium,
            base_severity: stridemap_model::Severity::Medium,
            severity_reason: None,
            affected_components: vec![],
            attack_scenario: "",
            infrastructure_type: "kubernetes",
            affected_resources: vec!["Deployment/web".into()],
            vulnerability_types: vec![],
            mitigation: "",
            rule,
            group: stridemap_model::Group::ContainerSecurity,
            group_name: "",
            evidence: vec![Evidence {
                file: "web.yaml".into(),
                line,
                column: 1,
                snippet: String::new(),
            }],
            fingerprint: format!("fp-{id}"),
            elements: vec![],
        }
    }

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n";

    fn site(sc: Block) -> ContainerSite {
        let sc_for_anchors = sc.clone();
        ContainerSite {
            file: "web.yaml".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: Some("shop".into()),
            resource: "Deployment/web".into(),
            pod_spec_path: vec!["spec", "template", "spec"],
            list: "containers",
            container: "web".into(),
            line: 9,
            insert: Some((9, 10)),
            security_context: sc,
            has_resources: false,
            keys: Default::default(),
            anchors: match &sc_for_anchors {
                Block::Map { line, .. } => vec![9, *line],
                _ => vec![9],
            },
        }
    }

    #[test]
    fn adds_the_missing_keys_under_the_container_and_claims_their_threats() {
        let mut r = report(vec![], vec![]);
        r.threats = vec![
            threat("THREAT-1", "CTR-PRIVILEGE-ESCALATION", 9),
            threat("THREAT-2", "CTR-NO-CPU-LIMIT", 9),
            // Points elsewhere (a value set on the pod): not this container's missing key.
            threat("THREAT-3", "CTR-RUN-AS-ROOT", 4),
        ];
        let mut input = FixInput::new(&r);
        input.containers = vec![site(Block::Absent)];
        input.files.insert("web.yaml".into(), WEB.into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert_eq!(plan.changes.len(), 1);
        let after = &plan.changes[0].after;
        assert!(
            after.ends_with("        - name: web\n          # stridemap fix: closes THREAT-1 (CTR-PRIVILEGE-ESCALATION), THREAT-2 (CTR-NO-CPU-LIMIT)\n          securityContext:\n            allowPrivilegeEscalation: false\n          resources:  # starting values: size them to the workload\n            requests: {cpu: 100m, memory: 128Mi}\n            limits: {cpu: 500m, memory: 256Mi}\n          image: web:1\n"),
            "{after}"
        );
        let ids: Vec<&str> = claimed(&plan).iter().map(|c| c.threat.as_str()).collect();
        assert_eq!(ids, vec!["THREAT-1", "THREAT-2"]);
        let patch = &plan.extras[0].after;
        assert!(patch.contains("kind: \"Deployment\""), "{patch}");
        assert!(patch.contains("allowPrivilegeEscalation: false"), "{patch}");
        assert!(
            patch.contains("        - name: \"web\"") || patch.contains("      - name: \"web\""),
            "{patch}"
        );
    }

    #[test]
    fn keys_go_into_an_existing_block_security_context_unless_already_written() {
        let text = "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: false\n";
        let mut r = report(vec![], vec![]);
        r.threats = vec![threat("THREAT-1", "CTR-WRITABLE-ROOT-FILESYSTEM", 7)];
        let mut input = FixInput::new(&r);
        let mut s = site(Block::Map {
            line: 7,
            indent: 12,
            keys: ["privileged".to_string()].into_iter().collect(),
        });
        s.line = 5;
        s.insert = Some((5, 10));
        s.anchors = vec![5, 7];
        input.containers = vec![s];
        input.files.insert("web.yaml".into(), text.into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert_eq!(
            plan.changes[0].after,
            "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            # stridemap fix: closes THREAT-1 (CTR-WRITABLE-ROOT-FILESYSTEM)\n            readOnlyRootFilesystem: true\n            privileged: false\n"
        );
    }

    #[test]
    fn compose_services_get_the_keys_they_lack() {
        let text = "services:\n  web:\n    image: web:1\n    ports: [\"80:80\"]\n";
        let mut r = report(vec![], vec![]);
        let mut t = threat("THREAT-1", "CTR-PRIVILEGE-ESCALATION", 3);
        t.affected_resources = vec!["ComposeService/web".into()];
        t.evidence[0].file = "compose.yaml".into();
        let mut u = t.clone();
        u.id = "THREAT-2".into();
        u.rule = "CTR-NO-PIDS-LIMIT".into();
        r.threats = vec![t, u];
        let mut input = FixInput::new(&r);
        input.containers = vec![ContainerSite {
            file: "compose.yaml".into(),
            kind: "ComposeService".into(),
            resource: "ComposeService/web".into(),
            line: 3,
            insert: Some((3, 4)),
            keys: ["image".to_string(), "ports".to_string()]
                .into_iter()
                .collect(),
            anchors: vec![3],
            ..site(Block::Absent)
        }];
        input.files.insert("compose.yaml".into(), text.into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert_eq!(
            plan.changes[0].after,
            "services:\n  web:\n    image: web:1\n    # stridemap fix: closes THREAT-1 (CTR-PRIVILEGE-ESCALATION), THREAT-2 (CTR-NO-PIDS-LIMIT)\n    pids_limit: 200\n    security_opt: [\"no-new-privileges:true\"]\n    ports: [\"80:80\"]\n"
        );
        assert_eq!(plan.claims.len(), 2);
        assert!(plan.extras.is_empty());
    }

    #[test]
    fn a_dockerfile_running_as_root_switches_user_before_its_command() {
        let text = "FROM golang:1.23\nRUN go build -o /app .\nCMD [\"/app\"]";
        let mut r = report(vec![], vec![]);
        let mut t = threat("THREAT-1", "DKR-MISSING-USER", 1);
        t.evidence[0].file = "Dockerfile".into();
        r.threats = vec![t];
        let mut input = FixInput::new(&r);
        input.dockerfiles = vec![crate::input::DockerfileSite {
            file: "Dockerfile".into(),
            insert_after: 2,
            user: None,
        }];
        input.files.insert("Dockerfile".into(), text.into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert_eq!(
            plan.changes[0].after,
            "FROM golang:1.23\nRUN go build -o /app .\n# stridemap fix: closes THREAT-1 (DKR-MISSING-USER); the image's files the process needs must be readable by this user\nUSER 10001:10001\nCMD [\"/app\"]\n"
        );
        // A non-root user already: nothing to do.
        input.dockerfiles[0].user = Some("app".into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert!(plan.changes.is_empty() && plan.claims.is_empty());
    }

    #[test]
    fn a_flow_style_security_context_is_left_alone() {
        let mut r = report(vec![], vec![]);
        r.threats = vec![threat("THREAT-1", "CTR-PRIVILEGE-ESCALATION", 9)];
        let mut input = FixInput::new(&r);
        input.containers = vec![site(Block::Other)];
        input.files.insert("web.yaml".into(), WEB.into());
        let mut plan = Plan::default();
        generate(&input, &mut plan);
        assert!(plan.changes.is_empty() && plan.claims.is_empty());
    }
}

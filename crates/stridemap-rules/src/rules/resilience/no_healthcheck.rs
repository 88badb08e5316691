use crate::helpers::{on_dockerfile, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::{Corpus, Node};

declare_rule! {
    /// ## What it does
    /// Flags containers that Docker or Compose run without a health check:
    /// - a Compose service with no `healthcheck`, or one disabled with `disable: true` or
    ///   `test: ["NONE"]` (unless the service's image is built from a Dockerfile of the scan that
    ///   declares `HEALTHCHECK`, or another Compose file of the project adds one; fragments of
    ///   override files, without `image` or `build`, are judged with their base definition);
    /// - a Dockerfile whose final stage declares no `HEALTHCHECK` (or `HEALTHCHECK NONE`), when
    ///   nothing else in the scan decides how the image is run. Images deployed to Kubernetes
    ///   are judged by their probes instead (Kubernetes ignores `HEALTHCHECK`), and images built
    ///   by Compose by their service's `healthcheck`.
    ///
    /// ## Why is this bad?
    /// Docker restarts a container only when its process exits. Without a health check a
    /// container that hangs, leaks until it thrashes or loses its listener keeps running and
    /// keeps its place behind load balancers and `depends_on` chains, so one stuck dependency
    /// silently stalls everything that waits on it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: registry.example.com/api:2.3.0
    ///     restart: unless-stopped
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: registry.example.com/api:2.3.0
    ///     restart: unless-stopped
    ///     healthcheck:
    ///       test: ["CMD", "wget", "-qO-", "http://localhost:8080/healthz"]
    ///       interval: 30s
    ///       timeout: 5s
    ///       retries: 3
    /// ```
    /// In a Dockerfile, add `HEALTHCHECK CMD ...` to the final stage.
    pub struct NoHealthcheck {
        id: "DOS-NO-HEALTHCHECK",
        title: "Container runs without a health check",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [703],
        infra: [Compose, Docker],
        equivalents: [
            "CKV_DOCKER_2",
            "kics:698ed579-b239-4f8f-a388-baa4bcb13ef8",
            "kics:b03a748a-542d-44f4-bb86-9199ab4fd2d5",
        ],
        attack_scenario: "An attacker triggers a hang in one service (a slow request that exhausts its worker pool); without a health check Docker never marks the container unhealthy, so it is not restarted and dependent services keep waiting on it.",
        mitigation: "Declare a `healthcheck` on every long-running Compose service (or `HEALTHCHECK` in the image's Dockerfile) that probes the service itself, and use `depends_on: condition: service_healthy` for startup ordering.",
    }
}

/// `a/./b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The Dockerfile path (relative to the scan root) a Compose service builds, if it builds.
fn built_dockerfile(
    corpus: &Corpus,
    compose: &ComposeFile,
    service: &ComposeService,
) -> Option<String> {
    let build = service.get("build")?;
    let (context, dockerfile) = match build.as_str() {
        Some(ctx) => (ctx, "Dockerfile"),
        None => (
            build.get("context").and_then(Node::as_str).unwrap_or("."),
            build
                .get("dockerfile")
                .and_then(Node::as_str)
                .unwrap_or("Dockerfile"),
        ),
    };
    if context.contains("://") {
        return None;
    }
    let base = parent(&corpus.file(compose.file).path);
    Some(normalize(&format!("{base}/{context}/{dockerfile}")))
}

/// The `HEALTHCHECK` of a Dockerfile's final stage (or a stage it builds on): `Some(true)`
/// when it checks, `Some(false)` when it is `NONE`, `None` when absent.
fn dockerfile_healthcheck(df: &Dockerfile) -> Option<bool> {
    let mut stage = df.final_stage()?;
    for _ in 0..df.stages.len() {
        if let Some(h) = df
            .stage_instructions(stage)
            .iter()
            .rev()
            .find(|i| i.keyword == "HEALTHCHECK")
        {
            return Some(!h.args.trim().eq_ignore_ascii_case("none"));
        }
        // A stage built `FROM` an earlier stage inherits its health check.
        let Some(base) = df
            .stages
            .iter()
            .find(|s| s.index < stage.index && s.alias.as_deref() == Some(stage.image.as_str()))
        else {
            break;
        };
        stage = base;
    }
    None
}

/// Whether a Compose `healthcheck` is switched off.
fn disabled(h: &Node) -> Option<&Node> {
    if let Some(d) = h.get("disable").filter(|d| d.as_bool() == Some(true)) {
        return Some(d);
    }
    let test = h.get("test")?;
    let first = test
        .strings()
        .first()
        .map(|(s, _)| s.trim().to_ascii_uppercase());
    (first.as_deref() == Some("NONE")).then_some(test)
}

/// Kinds that run pods; their images are health-checked by probes, not `HEALTHCHECK`.
const POD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "DeploymentConfig",
    "Rollout",
    "Pod",
    "Job",
    "CronJob",
];

impl Check for NoHealthcheck {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        cx: &Context,
        out: &mut Sink,
    ) {
        // `extends` may bring the health check along.
        if service.get("extends").is_some() {
            return;
        }
        let dir = parent(&cx.corpus.file(compose.file).path);
        let others = || {
            cx.corpus
                .compose_in_dir(dir)
                .filter(move |c| c.file != compose.file)
        };
        // A fragment of an override file (no image, no build): the base definition is judged.
        if service.get("image").is_none()
            && service.get("build").is_none()
            && others().any(|c| c.services().any(|s| s.name == service.name))
        {
            return;
        }
        let (loc, why) = match service.get("healthcheck") {
            Some(h) => match disabled(h) {
                Some(n) => (n.loc, "disables its healthcheck"),
                None => return,
            },
            None => {
                // Another Compose file of the project (an override) may add it.
                let elsewhere = others().any(|c| {
                    c.services().any(|s| {
                        s.name == service.name
                            && s.get("healthcheck").is_some_and(|h| disabled(h).is_none())
                    })
                });
                if elsewhere {
                    return;
                }
                // The image it builds may declare one.
                if let Some(path) = built_dockerfile(cx.corpus, compose, service) {
                    let inherited = cx
                        .corpus
                        .dockerfile_at(&path)
                        .is_some_and(|df| dockerfile_healthcheck(df) == Some(true));
                    if inherited {
                        return;
                    }
                }
                (service.key.loc, "has no healthcheck")
            }
        };
        on_service(
            out,
            compose,
            service,
            loc,
            format!(
                "Compose service `{}` {why}, so a hung container is never detected or restarted",
                service.name
            ),
        );
    }

    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let Some(stage) = df.final_stage() else {
            return;
        };
        let state = dockerfile_healthcheck(df);
        if state == Some(true) {
            return;
        }
        // Kubernetes runs the image: its probes are what counts.
        if cx.corpus.objects_of(POD_KINDS).next().is_some() {
            return;
        }
        // Compose builds it: the service's healthcheck is what counts.
        let path = &cx.corpus.file(df.file).path;
        let built = cx.compose_built_dockerfiles.get_or_init(|| {
            cx.corpus
                .compose
                .iter()
                .flat_map(|c| {
                    c.services()
                        .filter_map(|s| built_dockerfile(cx.corpus, c, &s))
                })
                .collect()
        });
        if built.contains(path.as_str()) {
            return;
        }
        let why = if state == Some(false) {
            "disables HEALTHCHECK"
        } else {
            "declares no HEALTHCHECK"
        };
        on_dockerfile(out, cx.corpus, df, stage.loc, format!("The final stage of {path} {why}, so a container that hangs keeps running unnoticed"));
    }
}

//! Small shared pieces for writing rules: where a finding points and what it names.

use crate::{Finding, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::{Container, K8sObject, Workload};
use stridemap_model::{Corpus, InfraType, Location};

/// A finding on a Kubernetes object.
pub fn on_object<'s>(
    out: &'s mut Sink,
    object: &K8sObject,
    loc: Location,
    description: impl Into<String>,
) -> &'s mut Finding {
    out.report(object.file, loc, description)
        .resource(object.resource_id())
        .component(object.resource_id())
        .key(object.qualified_id())
        .infra(InfraType::Kubernetes)
}

/// A finding on a container of a workload.
pub fn on_container<'s>(
    out: &'s mut Sink,
    workload: &Workload,
    container: &Container,
    loc: Location,
    description: impl Into<String>,
) -> &'s mut Finding {
    on_object(out, workload.object, loc, description)
        .component(container.describe())
        .key_part(container.key())
}

/// A finding on a Compose service.
pub fn on_service<'s>(
    out: &'s mut Sink,
    compose: &ComposeFile,
    service: &ComposeService,
    loc: Location,
    description: impl Into<String>,
) -> &'s mut Finding {
    out.report(compose.file, loc, description)
        .resource(service.resource_id())
        .component(format!("compose service {}", service.name))
        .key(format!("compose:{}", service.name))
        .infra(InfraType::Compose)
}

/// A finding on a Dockerfile.
pub fn on_dockerfile<'s>(
    out: &'s mut Sink,
    corpus: &Corpus,
    dockerfile: &Dockerfile,
    loc: Location,
    description: impl Into<String>,
) -> &'s mut Finding {
    let path = &corpus.file(dockerfile.file).path;
    out.report(dockerfile.file, loc, description)
        .resource(format!("Dockerfile/{path}"))
        .component(format!("image built from {path}"))
        .key("dockerfile")
        .infra(InfraType::Docker)
}

/// Where to point when a container lacks a setting: the security context if it has one,
/// else the container itself.
pub fn container_anchor(container: &Container) -> Location {
    container
        .security_context()
        .map_or(container.node.loc, |sc| sc.loc)
}

/// The position of `key` in a mapping (the key itself), or the mapping's own position.
pub fn key_loc(map: &stridemap_model::Node, key: &str) -> Location {
    map.key_node(key).map_or(map.loc, |k| k.loc)
}

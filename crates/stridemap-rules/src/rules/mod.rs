//! The registry: every rule stridemap has. Each topic module lists its own rules in `RULES`;
//! this file joins those lists in a fixed order.

pub mod broker;
pub mod cicd;
pub mod cloud;
pub mod code;
pub mod container;
pub mod controlplane;
pub mod discovery;
pub mod dockerfile;
pub mod gateway;
pub mod image;
pub mod mesh;
pub mod network;
pub mod psp;
pub mod rbac;
pub mod resilience;
pub mod s2s;
pub mod secrets;
pub mod sidecar;

use crate::Rule;
use std::sync::LazyLock;

static ALL: LazyLock<Vec<&'static dyn Rule>> = LazyLock::new(|| {
    [
        container::RULES,
        image::RULES,
        dockerfile::RULES,
        rbac::RULES,
        secrets::RULES,
        controlplane::RULES,
        psp::RULES,
        s2s::RULES,
        mesh::RULES,
        network::RULES,
        gateway::RULES,
        discovery::RULES,
        sidecar::RULES,
        cicd::RULES,
        broker::RULES,
        resilience::RULES,
        code::RULES,
        cloud::RULES,
    ]
    .concat()
});

/// Every rule, in registry order.
pub fn registry() -> &'static [&'static dyn Rule] {
    &ALL
}

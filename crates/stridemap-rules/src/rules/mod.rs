//! The registry: every rule stridemap has, in one list.

pub mod container;
pub mod dockerfile;
pub mod image;
pub mod rbac;
pub mod secrets;

use crate::Rule;

static RULES: &[&dyn Rule] = &[
    // Container runtime
    &container::privileged::PrivilegedContainer,
];

/// Every rule, in registry order.
pub fn registry() -> &'static [&'static dyn Rule] {
    RULES
}

//! Container runtime settings of pods and Compose services.

pub mod privileged;

pub static RULES: &[&dyn crate::Rule] = &[&privileged::PrivilegedContainer];

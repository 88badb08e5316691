//! rbac rules.

pub static RULES: &[&dyn crate::Rule] = &[];

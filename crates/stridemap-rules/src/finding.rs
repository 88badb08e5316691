//! What a rule reports, before the report stage numbers, sorts and fingerprints it.

use stridemap_model::{FileId, InfraType, Location, RuleMeta, Severity};

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    /// Replaces the rule title when the finding is a sharper case of it.
    pub title: Option<String>,
    pub description: String,
    /// Evidence locations; the first is the primary one.
    pub locations: Vec<(FileId, Location)>,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    /// A logical address (object, container, field) that survives edits elsewhere in the file;
    /// the fingerprint is built from it.
    pub key: String,
    /// Secret values this finding exposes: redacted from every output.
    pub secrets: Vec<String>,
    pub infra: InfraType,
    /// The severity was set by the user's configuration: the report keeps it as it is instead
    /// of adjusting it to the system's context.
    pub severity_configured: bool,
}

impl Finding {
    pub fn resource(&mut self, resource: impl Into<String>) -> &mut Self {
        let r = resource.into();
        if !self.resources.contains(&r) {
            self.resources.push(r);
        }
        self
    }

    pub fn component(&mut self, component: impl Into<String>) -> &mut Self {
        let c = component.into();
        if !self.components.contains(&c) {
            self.components.push(c);
        }
        self
    }

    pub fn key(&mut self, key: impl Into<String>) -> &mut Self {
        self.key = key.into();
        self
    }

    /// Appends a part to the key, for several findings of one rule on one object.
    pub fn key_part(&mut self, part: impl AsRef<str>) -> &mut Self {
        self.key.push(':');
        self.key.push_str(part.as_ref());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    pub fn title(&mut self, title: impl Into<String>) -> &mut Self {
        self.title = Some(title.into());
        self
    }

    pub fn also_at(&mut self, file: FileId, loc: Location) -> &mut Self {
        if !self.locations.contains(&(file, loc)) {
            self.locations.push((file, loc));
        }
        self
    }

    pub fn secret(&mut self, value: impl Into<String>) -> &mut Self {
        self.secrets.push(value.into());
        self
    }

    pub fn infra(&mut self, infra: InfraType) -> &mut Self {
        self.infra = infra;
        self
    }
}

/// Collects the findings of one rule.
pub struct Sink {
    rule: &'static RuleMeta,
    pub(crate) findings: Vec<Finding>,
}

impl Sink {
    pub fn new(rule: &'static RuleMeta) -> Self {
        Sink {
            rule,
            findings: Vec::new(),
        }
    }

    pub fn report(
        &mut self,
        file: FileId,
        loc: Location,
        description: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            rule: self.rule,
            severity: self.rule.severity,
            title: None,
            description: description.into(),
            locations: vec![(file, loc)],
            resources: Vec::new(),
            components: Vec::new(),
            key: String::new(),
            secrets: Vec::new(),
            infra: self
                .rule
                .infra
                .first()
                .copied()
                .unwrap_or(InfraType::Kubernetes),
            severity_configured: false,
        });
        self.findings.last_mut().expect("just pushed")
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

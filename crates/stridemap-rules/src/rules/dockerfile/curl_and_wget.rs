use super::packages::run_commands;
use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::Location;

declare_rule! {
    /// ## What it does
    /// Flags build stages whose `RUN` steps use both `curl` and `wget`. The finding points at
    /// the first use of the tool that appears second, with the other uses as further evidence.
    ///
    /// ## Why is this bad?
    /// Two download tools do the same job with different defaults for redirects, certificate
    /// checks and proxies, so reviewing how the image fetches code means reviewing both. Each
    /// one also stays in the image as a ready-made download tool for whoever gets code
    /// execution in the container, and as one more package to patch.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget -q https://example.com/tool.tar.gz
    /// RUN curl -fsSLo /tmp/cfg.json https://example.com/cfg.json
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool.tar.gz \
    ///  && curl -fsSLo /tmp/cfg.json https://example.com/cfg.json
    /// ```
    /// Pick one tool for the whole Dockerfile (or use `ADD --checksum` for fixed artifacts) and
    /// remove it from the final stage when the application does not need it.
    pub struct CurlAndWget {
        id: "DKR-CURL-AND-WGET",
        title: "Build stage uses both `curl` and `wget`",
        group: ContainerSecurity,
        stride: Tampering,
        severity: Info,
        cwe: [1164],
        infra: [Docker],
        equivalents: ["kics:fc775e75-fcfb-4c98-b2f2-910c5858b359"],
        attack_scenario: "After exploiting the service, an attacker uses whichever download tool the image still carries to fetch a second-stage payload; with two tools in the image and inconsistent certificate settings between them, reviewers missed that one of them skipped TLS verification in the build.",
        mitigation: "Standardise on one download tool, verify checksums of what it fetches, and keep download tools out of the final runtime stage.",
    }
}

impl Check for CurlAndWget {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        let runs = run_commands(df);
        for stage in &df.stages {
            let mut uses: Vec<(&str, Location)> = Vec::new();
            for (i, ins, cmds) in &runs {
                if !stage.instructions.contains(i) {
                    continue;
                }
                for c in cmds {
                    if c.is(&["curl", "wget"]) {
                        uses.push((if c.is(&["curl"]) { "curl" } else { "wget" }, ins.loc));
                    }
                }
            }
            let Some(first) = uses.first().map(|u| u.0) else {
                continue;
            };
            let Some(&(second, loc)) = uses.iter().find(|u| u.0 != first) else {
                continue;
            };
            let stage_name = match &stage.alias {
                Some(a) => format!("stage `{a}`"),
                None => format!("stage {}", stage.index + 1),
            };
            let f = on_dockerfile(
                out,
                cx.corpus,
                df,
                loc,
                format!("{stage_name} of `{path}` downloads with both `{first}` and `{second}`"),
            );
            f.key_part(format!("stage{}", stage.index));
            for (_, l) in &uses {
                f.also_at(df.file, *l);
            }
        }
    }
}

//! Dockerfiles as a list of instructions grouped into build stages.

use crate::corpus::FileId;
use crate::location::Location;

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub file: FileId,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// The image named by `FROM`, as written.
    pub image: String,
    pub alias: Option<String>,
    pub loc: Location,
    /// Indices into [`Dockerfile::instructions`], `FROM` included.
    pub instructions: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`, `COPY`…).
    pub keyword: String,
    /// The arguments as one logical line: continuations joined, comments dropped.
    pub args: String,
    pub loc: Location,
    pub end_line: u32,
    /// Index of the stage the instruction belongs to (`None` before the first `FROM`).
    pub stage: Option<usize>,
    pub detail: Detail,
}

/// A `KEY=value` pair of `ENV`, `ARG` or `LABEL`, located at its own line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Option<String>,
    pub loc: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    From {
        image: String,
        alias: Option<String>,
    },
    Env(Vec<KeyValue>),
    Arg(Vec<KeyValue>),
    Label(Vec<KeyValue>),
    /// `RUN`, `CMD`, `ENTRYPOINT`: the shell form text, or the exec form joined by spaces.
    Command {
        text: String,
        exec_form: bool,
    },
    /// `COPY` and `ADD`.
    Copy {
        flags: Vec<String>,
        sources: Vec<String>,
        destination: String,
    },
    User {
        user: String,
    },
    Other,
}

impl Dockerfile {
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    pub fn stage_instructions<'a>(&'a self, stage: &Stage) -> &'a [Instruction] {
        &self.instructions[stage.instructions.clone()]
    }

    /// Whether a stage is only a build step: another stage copies from it or builds on it and it
    /// is not the last one.
    pub fn is_final(&self, stage: &Stage) -> bool {
        stage.index + 1 == self.stages.len()
    }
}

use super::util::{self, Nth, Sources};
use crate::{Check, Context, Sink};
use stridemap_model::code::{DataSource, Deserialization};

declare_rule! {
    /// ## What it does
    /// Flags calls that rebuild live objects or run code from bytes — `pickle.loads`,
    /// `marshal`, `dill`, `jsonpickle`, `yaml.load` without a safe loader, `torch.load`, `eval`
    /// in Python; `node-serialize` `unserialize`, `eval`, `new Function`, `vm.runIn*` in
    /// JavaScript and TypeScript; `ObjectInputStream.readObject` without an `ObjectInputFilter`,
    /// `XMLDecoder`, XStream without a type allowlist, SnakeYAML's default constructor, Jackson
    /// default typing and Kryo without registration in Java; interpreters such as yaegi `Eval`
    /// in Go — when the data reaching them comes from a consumed message, an HTTP request or a
    /// socket. The data is followed inside the file: through assignments, attribute reads
    /// (`message.value`), loop variables over a consumer, helper functions called with it and
    /// their return values. Reading a local file or a constant is not reported.
    ///
    /// ## Why is this bad?
    /// These formats describe which classes to build and which functions to call while
    /// building them. Whoever can publish to the topic or reach the endpoint sends a payload
    /// whose decoding runs their code inside the consumer, with its credentials and network
    /// position: one poisoned message compromises every replica that reads it.
    ///
    /// ## Example
    /// ```python
    /// import pickle
    ///
    /// def process_message(message):
    ///     task = pickle.loads(message.value)
    ///     task.execute()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import json
    /// import jsonschema
    ///
    /// def process_message(message):
    ///     task = json.loads(message.value)
    ///     jsonschema.validate(task, TASK_SCHEMA)
    ///     run_task(task["kind"], task["args"])
    /// ```
    /// Exchange plain data (JSON, Avro, Protobuf) and validate it; never decode object graphs
    /// or code from a queue or a request. Where Java serialization cannot be removed, install an
    /// `ObjectInputFilter` allowlist.
    pub struct UnsafeDeserialization {
        id: "CODE-UNSAFE-DESERIALIZATION",
        title: "Untrusted data deserialized into objects or code",
        group: MessageQueue,
        stride: Tampering,
        severity: Critical,
        cwe: [502],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker who can publish to the topic (or call the endpoint) sends a payload crafted for the decoder, such as a pickle whose __reduce__ runs a shell command; the consumer decodes it and executes the attacker's code with the service's identity and secrets.",
        mitigation: "Replace object deserialization with a data-only format (JSON, Avro, Protobuf) validated against a schema; if a native format must stay, restrict it to an allowlist of classes (ObjectInputFilter, XStream allowTypes, SafeLoader/SafeConstructor) and authenticate producers.",
    }
}

fn origin(d: &Deserialization) -> String {
    match d.source {
        DataSource::Message if d.inferred => {
            "a consumed message (judging by the handler's and parameter's names)".to_string()
        }
        DataSource::Message => {
            let tech = d.technology.as_deref().unwrap_or("broker");
            match &d.topic {
                Some(t) => format!("messages consumed from {tech} `{}`", util::show(t)),
                None => "consumed messages".to_string(),
            }
        }
        DataSource::Request => "HTTP request data".to_string(),
        DataSource::Socket => "data read from a network socket".to_string(),
        other => format!("{} data", other.as_str()),
    }
}

impl Check for UnsafeDeserialization {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        for (facts, path) in util::code_files(cx) {
            let mut nth = Nth::default();
            for d in &facts.deserializations {
                if !d.source.is_untrusted() {
                    continue;
                }
                let flow = if d.path.len() > 1 {
                    format!(" (via {})", d.path.join(" → "))
                } else {
                    String::new()
                };
                let lib = if d
                    .call
                    .to_ascii_lowercase()
                    .starts_with(&d.library.to_ascii_lowercase())
                {
                    String::new()
                } else {
                    format!(" ({})", d.library)
                };
                let f = out
                    .report(
                        facts.file,
                        d.loc,
                        format!(
                            "`{path}`{} passes {} to `{}`{lib}{flow}: a crafted payload runs code in the service",
                            sources.who(path),
                            origin(d),
                            d.call,
                        ),
                    )
                    .key(nth.next(&format!("{path}:{}", d.call)));
                if let Some(at) = d.source_loc {
                    f.also_at(facts.file, at);
                }
                sources.attach(f, path);
            }
        }
    }
}

use super::util::{self, Nth, Sources};
use crate::{Check, Context, Sink};
use stridemap_model::code::HandlerKind;

declare_rule! {
    /// ## What it does
    /// Flags message handlers — consumer callbacks, `@KafkaListener`/`@RabbitListener`
    /// methods, kafkajs `eachMessage`, functions that poll or iterate a consumer — that decode
    /// the payload (`json.loads`, `JSON.parse`, `json.Unmarshal`, `readValue`…) without any
    /// schema check in sight: no jsonschema, pydantic or marshmallow model, no Joi, zod, ajv,
    /// yup or class-validator, no validator package or Bean Validation, no Avro or Protobuf
    /// decoding. The finding also says when no duplicate check (idempotency key, processed-ID
    /// lookup, `SETNX`, `ON CONFLICT`) is visible either. Handlers that never decode their
    /// payload, and handlers only guessed from their names, are not reported; unsafe decoders
    /// are left to CODE-UNSAFE-DESERIALIZATION.
    ///
    /// ## Why is this bad?
    /// A broker delivers whatever any producer with access publishes. A consumer that trusts the
    /// shape of its input acts on forged or malformed events: negative amounts, someone else's
    /// account ID, missing fields that crash the worker and make the message loop forever
    /// (poison message). Without deduplication the same event replayed or redelivered is
    /// applied twice — two refunds for one order.
    ///
    /// ## Example
    /// ```javascript
    /// await consumer.run({
    ///   eachMessage: async ({ message }) => {
    ///     const refund = JSON.parse(message.value.toString());
    ///     await payments.refund(refund.orderId, refund.amount);
    ///   },
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```javascript
    /// const Refund = z.object({ orderId: z.string().uuid(), amount: z.number().positive() });
    /// await consumer.run({
    ///   eachMessage: async ({ message }) => {
    ///     const refund = Refund.parse(JSON.parse(message.value.toString()));
    ///     if (await seen.has(message.headers['idempotency-key'])) return;
    ///     await payments.refund(refund.orderId, refund.amount);
    ///   },
    /// });
    /// ```
    /// Validate every message against an explicit schema (or use a schema-registry
    /// deserializer), reject what does not match to a dead-letter topic, and deduplicate on a
    /// message or idempotency key.
    pub struct ConsumerNoValidation {
        id: "CODE-CONSUMER-NO-VALIDATION",
        title: "Message consumer trusts its payload",
        group: MessageQueue,
        stride: Tampering,
        severity: Medium,
        cwe: [20],
        infra: [Code],
        equivalents: [],
        attack_scenario: "A compromised or careless producer publishes events with forged fields (another customer's account, an inflated amount) or replays old ones; the consumer decodes them and acts on them as they are, so the fraud or the duplicate side effect goes through.",
        mitigation: "Check each message against a schema (jsonschema, pydantic, zod, Joi, ajv, Bean Validation, Avro/Protobuf with a schema registry) before acting on it, send invalid ones to a dead-letter queue, and make handlers idempotent with a processed-message key.",
    }
}

impl Check for ConsumerNoValidation {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        for (facts, path) in util::code_files(cx) {
            let mut nth = Nth::default();
            for h in &facts.handlers {
                if h.kind != HandlerKind::Message || h.inferred || !h.parses_payload || h.validates
                {
                    continue;
                }
                // An unsafe decoder of messages in the handler is the graver finding.
                let unsafe_inside = facts
                    .deserializations
                    .iter()
                    .any(|d| d.source.is_untrusted() && h.loc <= d.loc && d.loc <= h.end);
                if unsafe_inside {
                    continue;
                }
                let what = match (&h.technology, &h.topic) {
                    (Some(t), Some(topic)) => format!(" of {t} `{}`", util::show(topic)),
                    (None, Some(topic)) => format!(" of `{}`", util::show(topic)),
                    _ => String::new(),
                };
                let dedup = if h.dedups {
                    ""
                } else {
                    ", and no duplicate check guards against replayed or redelivered messages"
                };
                let who = if h.name.starts_with("consumer of ") || h.name == "<anonymous>" {
                    "the message callback".to_string()
                } else {
                    format!("message handler `{}`", h.name)
                };
                let f = out
                    .report(
                        facts.file,
                        h.loc,
                        format!(
                            "`{path}`{}: {who}{what} decodes the payload without validating it against a schema{dedup}",
                            sources.who(path),
                        ),
                    )
                    .key(nth.next(&format!("{path}:{}", h.name)));
                sources.attach(f, path);
            }
        }
    }
}

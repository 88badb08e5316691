//! Terraform (`.tf`, `.tfvars`) parsed with `hcl-edit`, which keeps the byte span of every
//! block and attribute, into [`TfFile`]s with line numbers.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::visit::{self, Visit};
use hcl_edit::Span;
use stridemap_model::terraform::{dir_of, TfAttr, TfBlock, TfFile, TfValue};
use stridemap_model::{FileId, Location, SourceFile};

/// Nesting deeper than this is not followed (blocks or values).
const MAX_DEPTH: usize = 64;

/// Brackets nested deeper than this are refused before parsing. The parser backtracks on some
/// invalid input (brackets left open) at a cost that about doubles per level: two fuzzer inputs
/// took 1.1 s at 31 levels and 0.27 s at 16 in a release build, 0.03 s at 14 and 0.015 s at 12;
/// 64 levels, the parser's own limit, would take days. Real configurations nest a handful of
/// levels: at most 3 in the corpus; an IAM policy condition list in `jsonencode` inside a
/// dynamic block, a deep case written for this limit, nests 10.
pub const MAX_BRACKET_DEPTH: usize = 14;

/// Parses one file. A syntax error gives no blocks and the error's line, column and message.
pub fn parse(file: FileId, source: &SourceFile) -> Result<TfFile, (Location, String)> {
    if let Some(offset) = nested_deeper_than(&source.text, MAX_BRACKET_DEPTH) {
        return Err((
            source.location_of(offset),
            format!("brackets nested deeper than {MAX_BRACKET_DEPTH} levels; the file is not read"),
        ));
    }
    let body = hcl_edit::parser::parse_body(&source.text).map_err(|e| {
        let loc = e.location();
        (
            Location::new(loc.line() as u32, loc.column() as u32),
            e.message().to_string(),
        )
    })?;
    let tfvars = source.path.ends_with(".tfvars");
    let blocks = if tfvars {
        // Variable definitions are bare attributes: keep them as one unlabeled block.
        let attrs = attributes(source, &body, 0);
        vec![TfBlock {
            kind: "tfvars".into(),
            labels: Vec::new(),
            loc: Location::new(1, 1),
            attrs,
            blocks: Vec::new(),
        }]
    } else {
        body.blocks().map(|b| block(source, b, 0)).collect()
    };
    Ok(TfFile {
        file,
        dir: dir_of(&source.path),
        tfvars,
        blocks,
    })
}

/// The byte offset where `{`, `[` and `(` first nest deeper than `max`, outside strings and
/// comments (a guard: template interpolations inside strings are not counted).
fn nested_deeper_than(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn loc_of(source: &SourceFile, span: Option<std::ops::Range<usize>>) -> Location {
    span.map_or(Location::new(1, 1), |s| source.location_of(s.start))
}

fn attributes(source: &SourceFile, body: &Body, depth: usize) -> Vec<TfAttr> {
    body.attributes()
        .map(|a| TfAttr {
            name: a.key.value().to_string(),
            loc: loc_of(source, a.key.span().or_else(|| a.span())),
            value: value(&a.value, depth),
            resolved_from: None,
        })
        .collect()
}

fn block(source: &SourceFile, b: &Block, depth: usize) -> TfBlock {
    let blocks = if depth < MAX_DEPTH {
        b.body
            .iter()
            .filter_map(Structure::as_block)
            .map(|nested| block(source, nested, depth + 1))
            .collect()
    } else {
        Vec::new()
    };
    TfBlock {
        kind: b.ident.value().to_string(),
        labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
        loc: loc_of(source, b.span()),
        attrs: attributes(source, &b.body, depth),
        blocks,
    }
}

/// The value of an expression where it is a literal, a reference, or else the references it
/// mentions.
fn value(e: &Expression, depth: usize) -> TfValue {
    if depth > MAX_DEPTH {
        return TfValue::Expr(Vec::new());
    }
    match e {
        Expression::Null(_) => TfValue::Null,
        Expression::Bool(b) => TfValue::Bool(*b.value()),
        Expression::Number(n) => TfValue::Number(n.value().to_string()),
        Expression::String(s) => TfValue::String(s.value().to_string()),
        Expression::Array(a) => TfValue::List(a.iter().map(|x| value(x, depth + 1)).collect()),
        Expression::Object(o) => TfValue::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                        ObjectKey::Expression(other) => match value(other, depth + 1) {
                            TfValue::String(s) => s,
                            TfValue::Ref(r) => r,
                            _ => String::new(),
                        },
                    };
                    (key, value(v.expr(), depth + 1))
                })
                .collect(),
        ),
        Expression::Parenthesis(p) => value(p.inner(), depth + 1),
        Expression::StringTemplate(t) => {
            let mut text = String::new();
            for el in t.iter() {
                match el.as_literal() {
                    Some(l) => text.push_str(l.value()),
                    None => return TfValue::Expr(references(e)),
                }
            }
            TfValue::String(text)
        }
        Expression::Variable(v) => TfValue::Ref(v.value().to_string()),
        Expression::Traversal(t) => match path(&t.expr, &t.operators) {
            Some(p) => TfValue::Ref(p),
            None => TfValue::Expr(references(e)),
        },
        // `jsonencode({...})` of a literal: the rules read the structure it encodes.
        Expression::FuncCall(f)
            if f.name.namespace.is_empty()
                && f.name.name.value().as_str() == "jsonencode"
                && f.args.iter().count() == 1 =>
        {
            let inner = value(f.args.iter().next().expect("one argument"), depth + 1);
            if inner.is_literal() {
                inner
            } else {
                TfValue::Expr(references(e))
            }
        }
        _ => TfValue::Expr(references(e)),
    }
}

/// `a.b[*].c` as a dotted path, when the traversal starts at a variable and has no computed
/// index.
fn path(base: &Expression, ops: &[hcl_edit::Decorated<TraversalOperator>]) -> Option<String> {
    let Expression::Variable(v) = base else {
        return None;
    };
    let mut out = v.value().to_string();
    for op in ops {
        match op.value() {
            TraversalOperator::GetAttr(i) => {
                out.push('.');
                out.push_str(i.value());
            }
            TraversalOperator::LegacyIndex(n) => {
                out.push_str(&format!("[{}]", n.value()));
            }
            TraversalOperator::Index(Expression::Number(n)) => {
                out.push_str(&format!("[{}]", n.value()));
            }
            TraversalOperator::Index(Expression::String(s)) => {
                out.push_str(&format!("[\"{}\"]", s.value()));
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                out.push_str("[*]")
            }
            TraversalOperator::Index(_) => return None,
        }
    }
    Some(out)
}

/// The references (`var.x`, `aws_iam_role.node.arn`) anywhere in an expression.
fn references(e: &Expression) -> Vec<String> {
    struct Refs(Vec<String>);
    impl Visit for Refs {
        fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
            if let Some(p) = path(&t.expr, &t.operators) {
                self.0.push(p);
                // Still look inside computed indexes.
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.visit_expr(i);
                    }
                }
            } else {
                visit::visit_traversal(self, t);
            }
        }
    }
    let mut r = Refs(Vec::new());
    r.visit_expr(e);
    r.0.sort();
    r.0.dedup();
    r.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::corpus::FileKind;

    fn parse_text(path: &str, text: &str) -> TfFile {
        let source = SourceFile::new(path.into(), FileKind::Terraform, text.into());
        parse(FileId(0), &source).unwrap()
    }

    #[test]
    fn blocks_attributes_and_lines() {
        let f = parse_text(
            "infra/eks.tf",
            r#"
variable "public" {
  default = true
}

resource "aws_eks_cluster" "main" {
  name     = "shop-${var.env}"
  role_arn = aws_iam_role.cluster.arn
  enabled_cluster_log_types = ["api", "audit"]

  vpc_config {
    endpoint_public_access = var.public
    public_access_cidrs    = ["0.0.0.0/0"]
  }
  tags = { Team = "shop", "cost-center" = 12 }
  count = length(local.azs) > 0 ? 1 : 0
  cfg = jsonencode({ enableNetworkPolicy = "true" })
}
"#,
        );
        assert_eq!(f.dir, "infra");
        assert_eq!(f.blocks.len(), 2);
        let c = &f.blocks[1];
        assert_eq!(c.address(), "aws_eks_cluster.main");
        assert_eq!(c.loc.line, 6);
        assert_eq!(c.attr("role_arn").unwrap().loc.line, 8);
        assert_eq!(
            c.value("role_arn"),
            Some(&TfValue::Ref("aws_iam_role.cluster.arn".into()))
        );
        assert_eq!(
            c.value("name"),
            Some(&TfValue::Expr(vec!["var.env".into()]))
        );
        assert_eq!(
            c.value("enabled_cluster_log_types").unwrap().strings(),
            vec!["api", "audit"]
        );
        let vpc = c.block("vpc_config").unwrap();
        assert_eq!(vpc.loc.line, 11);
        assert_eq!(vpc.attr("endpoint_public_access").unwrap().loc.line, 12);
        assert_eq!(
            vpc.value("endpoint_public_access"),
            Some(&TfValue::Ref("var.public".into()))
        );
        let tags = c.value("tags").unwrap();
        assert_eq!(tags.get("cost-center"), Some(&TfValue::Number("12".into())));
        assert_eq!(
            c.value("count"),
            Some(&TfValue::Expr(vec!["local.azs".into()]))
        );
        assert_eq!(
            c.value("cfg").unwrap().get("enableNetworkPolicy"),
            Some(&TfValue::String("true".into()))
        );
    }

    #[test]
    fn tfvars_are_one_block_of_attributes() {
        let f = parse_text(
            "terraform.tfvars",
            "region = \"eu-west-1\"\npublic = false\n",
        );
        assert!(f.tfvars);
        assert_eq!(f.blocks[0].bool("public"), Some(false));
        assert_eq!(f.blocks[0].attr("public").unwrap().loc.line, 2);
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let source = SourceFile::new(
            "bad.tf".into(),
            FileKind::Terraform,
            "resource \"a\" \"b\" {\n  x = \n}\n".into(),
        );
        let (loc, msg) = parse(FileId(0), &source).unwrap_err();
        assert!(loc.line >= 2, "{loc:?}");
        assert!(!msg.is_empty());
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        // A fuzzer input that made the parser backtrack for seconds (minutes under ASan).
        let hostile = "rva ={ va ={ va ={ c/g/proA0i0id/{ c/g/proA0irva ={ va ={ c/g/proA0i0id/{ c/g/proA0i0iroA0i0id/d/{ c/g/{  true0iroA0i0id/d/{ c/g/{  tru={ c/g/proA0i0id/{ c/g/proA0irva ={ va ={ c/g/proA0i0id/{ c/g/proA0i0iroA0i0id/d/{ c/g/{  true/{  true0iroA0i0id/d/{ c/g/{  tru={ c/g/proA0i0id/{ c/g/proA0irva ={ va ={ c/g/proA0i0id/{ c/g/proA0i0iroA0i0id/d/{ c/g/{  true0iroA0i0id/d/{ c/g0iroA0i0id/d/{ c/g/{  true";
        let source = SourceFile::new("main.tf".into(), FileKind::Terraform, hostile.into());
        let started = std::time::Instant::now();
        let (loc, msg) = parse(FileId(0), &source).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(msg.contains("deeper than 14"), "{msg}");
        assert_eq!(loc.line, 1);
        // Brackets in strings and comments do not count; 14 real levels are read.
        let ok = format!(
            "# {{{{{{{{{{{{{{{{{{{{{{{{{{{{\nlocals {{\n  s = \"{{{{{{{{{{{{{{{{{{{{{{{{\"\n  x = {}1{}\n}}\n",
            "[".repeat(13),
            "]".repeat(13)
        );
        let source = SourceFile::new("main.tf".into(), FileKind::Terraform, ok);
        assert!(parse(FileId(0), &source).is_ok());
    }
}

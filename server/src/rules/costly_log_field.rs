use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    call_args, declaration_of, is_pkg_call, method_call, outermost_function, results, snippet, unparen, visit_all,
    Declared,
};
use crate::analysis::handler::{in_handler, is_entry_or_test};
use crate::analysis::{Edit, Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "costly-log-field",
    summary: "A log field encodes a whole struct, map or slice through reflection on every request or loop iteration.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/costly-log-field.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds log fields that encode a non-scalar value through reflection, in request handlers and
middleware (gin, echo, fiber, net/http) and in loops:

- `zap.Any(key, v)` and `zap.Reflect(key, v)`;
- `slog.Any(key, v)` and logrus' `WithField(key, v)` (the package function, or the method in a file
  that imports logrus);
- `fmt.Sprintf`, `fmt.Sprint` and `fmt.Sprintln` inside a log call, and printf-style log calls
  (`log.Printf`, `logger.Infof`, `sugar.Debugf`, zerolog's `Msgf`…), whose arguments are formatted
  through reflection.

`v` must be evidently non-scalar: a composite literal (`Claims{…}`, `&Claims{…}`,
`map[string]any{…}`), `make(map…)`, `new(T)`, a type assertion to such a type, or a parameter or
variable whose declared type (or initial value) is a struct, a pointer to a named type, a map, or a
slice of non-scalar elements. Types that format themselves (`String`, `Error`, `Format`,
`MarshalLogObject`, `MarshalLogArray`, `LogValue` methods declared in the file or the workspace) are
left alone.

For zap it also reports `zap.Any` of a scalar whose type is evident, because `zap.Any` boxes the
value into an interface (a heap allocation per call) before its type switch finds the typed field:
`len(x)`, `time.Since(t)`, `time.Now()`, conversions such as `int64(n)`, `fmt.Sprintf(…)`,
`strconv.Itoa(…)`, and variables of a basic type or a slice of one. `zap.Reflect` of such a value is
reported too (it JSON-encodes even an `int` by reflection).

## Why it hurts under load

Reflection-based encoding walks the value's type at run time and allocates as it goes: every
nested struct, map entry and slice element becomes encoder work and garbage, and `fmt.Sprintf` in a
log call is evaluated even when the level is disabled. Once per request this is invisible in a
benchmark, but at a few hundred requests per second a claims tree of a few kilobytes turns into
megabytes of short-lived garbage per second, more GC cycles, more CPU taken from the requests, and
slower requests that keep more of them in flight. In the incident behind gohazard,
`Log.Info("", zap.Any("claims", claimsRoot))` on every request was part of the allocation pressure
that fed the out-of-memory loop.

## Example

```go
func (h *Users) GetUser(c *gin.Context) {
	claims, _ := c.MustGet("claims").(*Claims)
	h.logger.Info("get user", zap.Any("claims", claims)) // the whole tree, by reflection, per request
	n := len(claims.Roles)
	h.logger.Debug("roles", zap.Any("count", n)) // boxed into an interface per request
}
```

## Fix

Log only the fields that answer a question (`zap.String("sub", claims.Subject)`), or give the type
a `MarshalLogObject(zapcore.ObjectEncoder) error` method and log it with `zap.Object`, which
encodes without reflection. The quick fix, offered when the value is a scalar of evident type,
replaces `zap.Any` (or `zap.Reflect`) with the typed constructor: `zap.Int`, `zap.String`,
`zap.Duration`, `zap.Time`, `zap.Strings`… The key is kept.

## What it cannot see

- Values whose type the syntax does not show: a call result from another package
  (`claims := middleware.ClaimsFrom(c)`), a struct field (`req.User`), a method's result. These
  stay quiet; prefer `zap.Object` for them anyway.
- Named types from other packages used by value (`pkg.T`), which may well be scalars with a
  `String` method; and a pointer to such a type whose `String`/`MarshalLogObject` method is declared
  in a package the workspace index does not hold.
- zap's sugared key-value calls (`sugar.Infow("msg", "claims", claims)`), slog's key-value
  arguments (`slog.Info("msg", "claims", claims)`), `logrus.Fields{…}` and `log.Println(v)`.
- `zap.Any` of literals, booleans and errors is not reported: constants and small values are not
  boxed on the heap and an error is already an interface, so only the type switch is spent.
- Whether the level is enabled: `logger.Debug(…, zap.Any(…))` costs little when debug logging is
  off, but the fields are still built.
- Handlers are recognised by their parameters (`*gin.Context`, `echo.Context`, `*fiber.Ctx`,
  `http.ResponseWriter` with `*http.Request`); code a handler calls is only checked inside loops.
"#;

/// How deep value classification follows variables initialised from variables.
const MAX_HOPS: usize = 4;

const ZAP: &str = "go.uber.org/zap";
const SLOG: &str = "log/slog";
const LOGRUS: &str = "github.com/sirupsen/logrus";

/// What a value is, as far as its syntax tells.
#[derive(Clone, Debug, PartialEq)]
enum Class {
    /// Encoded through reflection; the text names the type for the message.
    Costly(String),
    /// A scalar of evident type: the zap constructor that takes it, and whether the value is a
    /// constant or never boxed on the heap (so `zap.Any` spends only its type switch on it).
    Scalar {
        zap_fn: &'static str,
        ty: String,
        unboxed: bool,
    },
    Unknown,
}

/// Which logging API builds the field.
#[derive(Clone, Copy, PartialEq)]
enum Api {
    ZapAny,
    ZapReflect,
    SlogAny,
    LogrusWithField,
}

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    // Tests log what they like; nothing there runs under production load.
    if src.file.is_test {
        return;
    }
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(recv), Some(name), Some(key), Some(value)) = (
            m.get("field.call"),
            m.get("field.receiver"),
            m.get("field.name"),
            m.get("field.key"),
            m.get("field.value"),
        ) {
            // The classification reads the file's type declarations for this call (see
            // `local_type_kind`): noted for the item that holds it.
            let _judging = src.judging(call);
            if let Some(api) = field_api(src, recv, src.text_of(name)) {
                // The key is matched only to pin the call to two arguments.
                let _ = key;
                if let Some(f) = check_field(src, config, call, name, value, api) {
                    out.push(f);
                }
            }
        }
        if let (Some(call), Some(recv), Some(name)) =
            (m.get("print.call"), m.get("print.receiver"), m.get("print.name"))
        {
            let _judging = src.judging(call);
            if let Some(f) = check_print(src, config, call, recv, src.text_of(name)) {
                out.push(f);
            }
        }
    }
}

/// The API a `recv.Name(key, value)` call belongs to, resolved through the imports.
fn field_api(src: &Source<'_>, recv: Node<'_>, name: &str) -> Option<Api> {
    let recv = unparen(recv);
    let pkg = (recv.kind() == "identifier").then(|| src.text_of(recv));
    let is_pkg = |path: &str| pkg.is_some_and(|p| src.is_package(p, path) && !is_local(src, recv, p));
    match name {
        "Any" if is_pkg(ZAP) => Some(Api::ZapAny),
        "Reflect" if is_pkg(ZAP) => Some(Api::ZapReflect),
        "Any" if is_pkg(SLOG) => Some(Api::SlogAny),
        "WithField" if is_pkg(LOGRUS) => Some(Api::LogrusWithField),
        // `entry.WithField` / `logger.WithField` on a logrus value: the file must import logrus.
        "WithField" if src.import_name(LOGRUS).is_some() => Some(Api::LogrusWithField),
        _ => None,
    }
}

/// Whether `name` at `at` is a local variable or parameter (which shadows a package name).
fn is_local(src: &Source<'_>, at: Node<'_>, name: &str) -> bool {
    declaration_of(src, at, name).is_some()
}

/// Where the code runs often: "every request" in a handler or middleware, "every iteration" in a
/// loop of any other function but `main`, `init` and tests.
fn hot(src: &Source<'_>, config: &Config, node: Node<'_>) -> Option<&'static str> {
    if in_handler(src, node, &config.context_types).is_some() {
        return Some("on every request");
    }
    let outer = outermost_function(node)?;
    if is_entry_or_test(src, outer) {
        return None;
    }
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "for_statement" {
            return Some("on every iteration");
        }
        if n.id() == outer.id() {
            break;
        }
        cur = n.parent();
    }
    None
}

fn check_field<'t>(
    src: &Source<'_>,
    config: &Config,
    call: Node<'t>,
    name: Node<'t>,
    value: Node<'t>,
    api: Api,
) -> Option<Finding> {
    if value.kind() == "variadic_argument" {
        return None;
    }
    let when = hot(src, config, call)?;
    let value_text = src.text_of(value);
    match (classify(src, value, 0), api) {
        (Class::Costly(what), _) => {
            let (ctor, how) = match api {
                Api::ZapAny => ("zap.Any", "encodes it through reflection"),
                Api::ZapReflect => ("zap.Reflect", "encodes it through reflection"),
                Api::SlogAny => ("slog.Any", "leaves it to the handler to encode through reflection"),
                Api::LogrusWithField => ("WithField", "leaves it to the formatter to encode through reflection"),
            };
            let advice = match api {
                Api::ZapAny | Api::ZapReflect => {
                    "log the few fields needed, or give the type a `MarshalLogObject` method and use `zap.Object`"
                }
                Api::SlogAny => "log the few fields needed, or give the type a `LogValue` method",
                Api::LogrusWithField => "log the few fields needed",
            };
            Some(finding(
                call,
                format!(
                    "`{value_text}` is {what}: `{ctor}` {how} {when}, allocating the whole tree each time, which under \
                     load is steady GC pressure; {advice}"
                ),
                Vec::new(),
            ))
        }
        (Class::Scalar { zap_fn, ty, unboxed }, Api::ZapAny | Api::ZapReflect) => {
            let message = if api == Api::ZapReflect {
                format!(
                    "`zap.Reflect` JSON-encodes this `{ty}` through reflection {when}, allocating each time; \
                     `zap.{zap_fn}` writes it directly"
                )
            } else if unboxed {
                return None;
            } else {
                format!(
                    "`zap.Any` boxes this `{ty}` into an interface {when}, a heap allocation per call, only for its \
                     type switch to pick `zap.{zap_fn}`; `zap.{zap_fn}` takes it without either"
                )
            };
            // For an error the fix is `zap.NamedError`, not `zap.Error`, which would change the key
            // to "error".
            let fix = Fix {
                id: "typed-field",
                title: format!("Use `zap.{zap_fn}`"),
                edits: vec![Edit::replace(name.byte_range(), zap_fn)],
                preferred: true,
            };
            Some(finding(call, message, vec![fix]))
        }
        _ => None,
    }
}

fn finding(call: Node<'_>, message: String, fixes: Vec<Fix>) -> Finding {
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: call.byte_range(),
        related: Vec::new(),
        fixes,
    }
}

/// `fmt.Sprintf(…)` inside a log call, or a printf-style log call, with a costly argument.
fn check_print<'t>(src: &Source<'_>, config: &Config, call: Node<'t>, recv: Node<'t>, name: &str) -> Option<Finding> {
    let recv = unparen(recv);
    // The cheap facts first: resolving the receiver walks its function, and most `fmt.Sprintf`
    // calls (and every `fmt.Errorf`) are settled without it. A `Sprintf` that is not fmt's is no log
    // call either, so whether `fmt` is shadowed matters only inside a log call.
    let is_fmt = matches!(name, "Sprintf" | "Sprint" | "Sprintln")
        && recv.kind() == "identifier"
        && src.is_package(src.text_of(recv), "fmt");
    if is_fmt {
        if !inside_log_call(src, call) || is_local(src, recv, src.text_of(recv)) {
            return None;
        }
    } else if !is_log_call(src, call) {
        return None;
    }
    let args = call_args(call);
    let formatted = if name.ends_with('f') {
        let format = args.first()?;
        let text = src.text_of(*format);
        // `%p` and `%T` do not walk the value, and explicit argument indexes make the pairing
        // of verbs and arguments a guess; stay quiet on both.
        if ["%p", "%T", "%["].iter().any(|v| text.contains(v)) {
            return None;
        }
        &args[1..]
    } else {
        &args[..]
    };
    let when = hot(src, config, call)?;
    for arg in formatted {
        if arg.kind() == "variadic_argument" {
            return None;
        }
        if let Class::Costly(what) = classify(src, *arg, 0) {
            let callee = call.child_by_field_name("function").map_or(name, |f| src.text_of(f));
            // fmt formats before any logger sees the text; a printf-style logger checks its level
            // first.
            let early = if is_fmt { ", before the logger even checks its level," } else { "," };
            return Some(finding(
                call,
                format!(
                    "`{}` is {what}: `{callee}` formats it through reflection {when}{early} allocating the whole \
                     text each time, which under load is steady GC pressure; log the few fields needed",
                    snippet(src.text_of(*arg))
                ),
                Vec::new(),
            ));
        }
    }
    None
}

/// Whether the call is a logging call: a log method on a logger-looking receiver or a logging
/// package (`log`, `slog`, `logrus`, `zap.L()`, zerolog's `log.Info()`…).
fn is_log_call(src: &Source<'_>, call: Node<'_>) -> bool {
    let Some((recv, method)) = method_call(src, call) else { return false };
    const METHODS: &[&str] = &[
        "Debug",
        "Info",
        "Warn",
        "Warning",
        "Error",
        "DPanic",
        "Print",
        "Printf",
        "Println",
        "Trace",
        "Debugf",
        "Infof",
        "Warnf",
        "Warningf",
        "Errorf",
        "Tracef",
        "Debugw",
        "Infow",
        "Warnw",
        "Errorw",
        "Msg",
        "Msgf",
        "DebugContext",
        "InfoContext",
        "WarnContext",
        "ErrorContext",
        "Log",
        "LogAttrs",
    ];
    METHODS.contains(&method) && log_receiver(src, recv, 0)
}

fn log_receiver(src: &Source<'_>, recv: Node<'_>, depth: usize) -> bool {
    if depth > 6 {
        return false;
    }
    let recv = unparen(recv);
    match recv.kind() {
        "identifier" => {
            let name = src.text_of(recv);
            let packages = [
                "log",
                SLOG,
                LOGRUS,
                ZAP,
                "github.com/rs/zerolog/log",
                "github.com/golang/glog",
                "k8s.io/klog/v2",
                "k8s.io/klog",
            ];
            if packages.iter().any(|p| src.is_package(name, p)) && !is_local(src, recv, name) {
                return true;
            }
            log_like_name(name)
        }
        "selector_expression" => recv.child_by_field_name("field").is_some_and(|f| log_like_name(src.text_of(f))),
        // `zap.L().Info`, `log.Info().Msgf`, `logger.With(...).Info`.
        "call_expression" => recv
            .child_by_field_name("function")
            .map(unparen)
            .and_then(|f| if f.kind() == "selector_expression" { f.child_by_field_name("operand") } else { None })
            .is_some_and(|op| log_receiver(src, op, depth + 1)),
        _ => false,
    }
}

/// Names that hold a logger by convention: `log`, `logger`, `reqLogger`, `appLog`, `sugar`, `lg`.
fn log_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "log" | "logger" | "logr" | "lg" | "sugar" | "slog" | "zlog" | "logging")
        || lower.ends_with("logger")
        || name.ends_with("Log")
        || lower.starts_with("logger")
}

/// Whether the node sits in the arguments of a log call, within its statement.
fn inside_log_call(src: &Source<'_>, node: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        match n.kind() {
            "call_expression" if is_log_call(src, n) => return true,
            "call_expression"
            | "argument_list"
            | "expression_list"
            | "composite_literal"
            | "literal_value"
            | "literal_element"
            | "keyed_element"
            | "parenthesized_expression"
            | "binary_expression" => {}
            _ => return false,
        }
        cur = n.parent();
    }
    false
}

/// What the value of `expr` is, from its syntax and the declarations it refers to.
fn classify(src: &Source<'_>, expr: Node<'_>, hops: usize) -> Class {
    if hops > MAX_HOPS {
        return Class::Unknown;
    }
    let expr = unparen(expr);
    let constant = |zap_fn: &'static str, ty: &str| Class::Scalar { zap_fn, ty: ty.to_string(), unboxed: true };
    match expr.kind() {
        "interpreted_string_literal" | "raw_string_literal" => constant("String", "string"),
        "int_literal" => constant("Int", "int"),
        "float_literal" => constant("Float64", "float64"),
        "true" | "false" => constant("Bool", "bool"),
        "composite_literal" => match expr.child_by_field_name("type") {
            Some(ty) if matches!(ty.kind(), "type_identifier" | "qualified_type" | "generic_type") => {
                named_costly(src, ty, false)
            }
            Some(ty) => classify_type(src, ty),
            None => Class::Unknown,
        },
        "unary_expression" => {
            let op = expr.child_by_field_name("operator").map(|o| src.text_of(o));
            let Some(operand) = expr.child_by_field_name("operand").map(unparen) else { return Class::Unknown };
            if op != Some("&") {
                return Class::Unknown;
            }
            match operand.kind() {
                "composite_literal" => match classify(src, operand, hops + 1) {
                    Class::Costly(what) => Class::Costly(format!("a pointer to {what}")),
                    _ => Class::Unknown,
                },
                "identifier" => match classify(src, operand, hops + 1) {
                    Class::Costly(what) => Class::Costly(format!("a pointer to {what}")),
                    _ => Class::Unknown,
                },
                _ => Class::Unknown,
            }
        }
        "identifier" => {
            let name = src.text_of(expr);
            match declaration_of(src, expr, name) {
                Some(Declared::Param(p)) => boxed(classify_type(src, p.ty)),
                Some(Declared::Var { ty: Some(ty), .. }) => boxed(classify_type(src, ty)),
                Some(Declared::Var { ty: None, value: Some(v), .. }) => boxed(classify(src, v, hops + 1)),
                Some(Declared::Other(clause)) if clause.kind() == "range_clause" => {
                    boxed(range_variable(src, clause, name, hops))
                }
                _ => Class::Unknown,
            }
        }
        "type_assertion_expression" => {
            expr.child_by_field_name("type").map_or(Class::Unknown, |ty| classify_type(src, ty))
        }
        "call_expression" => classify_call(src, expr),
        _ => Class::Unknown,
    }
}

/// A variable holding a scalar is boxed when passed as `any`, unlike a constant, except for
/// booleans and errors (a boolean's box is static, an error is already an interface).
fn boxed(class: Class) -> Class {
    match class {
        Class::Scalar { zap_fn, ty, .. } => {
            let unboxed = matches!(zap_fn, "Bool" | "NamedError");
            Class::Scalar { zap_fn, ty, unboxed }
        }
        other => other,
    }
}

fn classify_call(src: &Source<'_>, call: Node<'_>) -> Class {
    let Some(func) = call.child_by_field_name("function").map(unparen) else { return Class::Unknown };
    let args = call_args(call);
    let value = |zap_fn: &'static str, ty: &str| Class::Scalar { zap_fn, ty: ty.to_string(), unboxed: false };
    if func.kind() == "identifier" {
        let name = src.text_of(func);
        // A local function or variable of that name shadows the builtin.
        if declaration_of(src, func, name).is_some() {
            return Class::Unknown;
        }
        return match name {
            "len" | "cap" if args.len() == 1 => value("Int", "int"),
            "make" => args.first().map_or(Class::Unknown, |ty| classify_type(src, *ty)),
            "new" => args.first().map_or(Class::Unknown, |ty| pointer_to(src, *ty)),
            _ => match basic(name) {
                // A conversion such as `int64(n)`.
                Some((zap_fn, _)) if args.len() == 1 => boxed(value(zap_fn, name)),
                _ => local_function_result(src, name),
            },
        };
    }
    if is_pkg_call(src, call, "time", &["Since", "Until"]) {
        return value("Duration", "time.Duration");
    }
    if is_pkg_call(src, call, "time", &["Now"]) {
        return value("Time", "time.Time");
    }
    if is_pkg_call(src, call, "fmt", &["Sprintf", "Sprint", "Sprintln"])
        || is_pkg_call(src, call, "strconv", &["Itoa", "FormatInt", "FormatUint", "FormatFloat", "Quote"])
    {
        return value("String", "string");
    }
    // A function of another workspace package, through the index: `middleware.ClaimsFrom(c)`.
    if func.kind() == "selector_expression" {
        if let (Some(pkg), Some(name)) = (func.child_by_field_name("operand"), func.child_by_field_name("field")) {
            let local = src.text_of(pkg);
            if pkg.kind() == "identifier" && declaration_of(src, pkg, local).is_none() {
                if let Some(package) = src.imported_package(local) {
                    return indexed_result(src, local, package, src.text_of(name));
                }
            }
        }
    }
    Class::Unknown
}

/// The class of what `package.name(...)` returns, from its declarations in the workspace index
/// (a single result, or a result and an error). Every declaration found must agree.
fn indexed_result(src: &Source<'_>, local: &str, package: &str, name: &str) -> Class {
    let mut types = src.index.package_functions(name, package).map(|d| match d.results() {
        [one] | [one, _] if d.results().len() == 1 || &*d.results()[1] == "error" => Some(one.to_string()),
        _ => None,
    });
    let Some(Some(first)) = types.next() else { return Class::Unknown };
    if !types.all(|t| t.as_deref() == Some(&*first)) {
        return Class::Unknown;
    }
    if let Some(inner) = first.strip_prefix('*') {
        // The callee's package spells its own types unqualified: `*Claims` is `*middleware.Claims`.
        let plain = !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_');
        if plain && basic(inner).is_none() && !formats_itself(src, inner) {
            return Class::Costly(format!("a `*{local}.{inner}`"));
        }
        return Class::Unknown;
    }
    if first.starts_with("map[") {
        return Class::Costly(format!("a map (`{first}`)"));
    }
    Class::Unknown
}

/// The class of the single result of a function declared in this file, called by name.
fn local_function_result(src: &Source<'_>, name: &str) -> Class {
    let mut found = Class::Unknown;
    let root = src.root();
    let mut cursor = root.walk();
    for decl in root.named_children(&mut cursor).filter(|d| d.kind() == "function_declaration") {
        if decl.child_by_field_name("name").is_some_and(|n| src.text_of(n) == name) {
            let res = results(decl);
            if res.len() == 1 {
                found = classify_type(src, res[0]);
            }
        }
    }
    found
}

/// The zap constructor for a basic type name, and the constructor for a slice of it.
fn basic(name: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match name {
        "int" => ("Int", Some("Ints")),
        "int64" => ("Int64", Some("Int64s")),
        "int32" | "rune" => ("Int32", Some("Int32s")),
        "int16" => ("Int16", Some("Int16s")),
        "int8" => ("Int8", Some("Int8s")),
        "uint" => ("Uint", Some("Uints")),
        "uint64" => ("Uint64", Some("Uint64s")),
        "uint32" => ("Uint32", Some("Uint32s")),
        "uint16" => ("Uint16", Some("Uint16s")),
        "uint8" | "byte" => ("Uint8", Some("Binary")),
        "uintptr" => ("Uintptr", Some("Uintptrs")),
        "float64" => ("Float64", Some("Float64s")),
        "float32" => ("Float32", Some("Float32s")),
        "complex128" => ("Complex128", Some("Complex128s")),
        "complex64" => ("Complex64", Some("Complex64s")),
        "string" => ("String", Some("Strings")),
        "bool" => ("Bool", Some("Bools")),
        "error" => ("NamedError", Some("Errors")),
        _ => return None,
    })
}

/// The zap constructor for `time.Duration` and `time.Time`, and for slices of them.
fn time_type(src: &Source<'_>, ty: Node<'_>) -> Option<(&'static str, &'static str, &'static str)> {
    if ty.kind() != "qualified_type" {
        return None;
    }
    let pkg = src.text_of(ty.child_by_field_name("package")?);
    if !src.is_package(pkg, "time") {
        return None;
    }
    match src.text_of(ty.child_by_field_name("name")?) {
        "Duration" => Some(("Duration", "Durations", "time.Duration")),
        "Time" => Some(("Time", "Times", "time.Time")),
        _ => None,
    }
}

/// What a value of the written type `ty` is.
fn classify_type(src: &Source<'_>, ty: Node<'_>) -> Class {
    classify_type_at(src, ty, 0)
}

/// `classify_type` with the nesting depth so far; absurdly nested types are unknown.
fn classify_type_at(src: &Source<'_>, ty: Node<'_>, depth: usize) -> Class {
    if depth > 8 {
        return Class::Unknown;
    }
    let scalar = |zap_fn: &'static str, ty: &str| Class::Scalar { zap_fn, ty: ty.to_string(), unboxed: false };
    match ty.kind() {
        "type_identifier" => {
            let name = src.text_of(ty);
            match basic(name) {
                Some((zap_fn, _)) => scalar(zap_fn, name),
                None => named_costly(src, ty, true),
            }
        }
        "qualified_type" => match time_type(src, ty) {
            Some((zap_fn, _, name)) => scalar(zap_fn, name),
            None => Class::Unknown,
        },
        "pointer_type" => ty.named_child(0).map_or(Class::Unknown, |inner| pointer_to(src, inner)),
        "struct_type" => Class::Costly("an anonymous struct".to_string()),
        "map_type" => Class::Costly(format!("a map (`{}`)", src.text_of(ty))),
        "slice_type" | "array_type" | "implicit_length_array_type" => {
            let Some(elem) = ty.child_by_field_name("element") else { return Class::Unknown };
            let text = src.text_of(ty);
            if ty.kind() == "slice_type" {
                if elem.kind() == "type_identifier" {
                    if let Some((_, Some(slice_fn))) = basic(src.text_of(elem)) {
                        return scalar(slice_fn, text);
                    }
                }
                if let Some((_, slice_fn, _)) = time_type(src, elem) {
                    return scalar(slice_fn, text);
                }
            }
            match classify_type_at(src, elem, depth + 1) {
                Class::Costly(_) => Class::Costly(format!("a slice or array of non-scalar values (`{text}`)")),
                // A slice of named or qualified values is encoded element by element through
                // reflection even when each element is small; stay quiet when the element type is
                // unknown.
                _ => Class::Unknown,
            }
        }
        "parenthesized_type" => ty.named_child(0).map_or(Class::Unknown, |t| classify_type_at(src, t, depth + 1)),
        _ => Class::Unknown,
    }
}

/// A pointer to `inner`: a pointer to a named type is taken for a pointer to a struct (nobody
/// points at a named integer to log it) unless the type is known to format itself.
fn pointer_to(src: &Source<'_>, inner: Node<'_>) -> Class {
    let text = src.text_of(inner);
    match inner.kind() {
        // A type parameter can be anything, scalars included.
        "type_identifier" if is_type_parameter(src, inner, text) => Class::Unknown,
        "type_identifier" if basic(text).is_none() => match named_costly(src, inner, false) {
            Class::Costly(_) => Class::Costly(format!("a `*{text}`")),
            other => other,
        },
        "qualified_type" => {
            let Some(pkg) = inner.child_by_field_name("package").map(|p| src.text_of(p)) else {
                return Class::Unknown;
            };
            let name = inner.child_by_field_name("name").map_or("", |n| src.text_of(n));
            // The standard library's pointer types mostly format themselves (`*url.URL`,
            // `*big.Int`); only requests and responses are known not to. Other packages' are
            // application structs, unless they are well-known value types.
            let std_costly = src.is_package(pkg, "net/http") && matches!(name, "Request" | "Response");
            let third_party = import_path(src, pkg).is_some_and(|path| path.contains('.'));
            let value_like = ["uuid", "decimal", "ulid", "big", "primitive", "bson", "xid", "snowflake"].contains(&pkg);
            if std_costly || (third_party && !value_like && !formats_itself(src, name)) {
                Class::Costly(format!("a `*{text}`"))
            } else {
                Class::Unknown
            }
        }
        "struct_type" => Class::Costly("a pointer to an anonymous struct".to_string()),
        _ => Class::Unknown,
    }
}

/// A value of the named type `ty` (a composite literal's type, or a declared type when
/// `needs_decl`): costly when it is declared in this file as a struct, map, slice or array, or
/// (for a composite literal, which only these kinds have) whatever its declaration, unless the
/// type formats itself.
fn named_costly(src: &Source<'_>, ty: Node<'_>, needs_decl: bool) -> Class {
    let (name, local) = match ty.kind() {
        "type_identifier" => (src.text_of(ty), true),
        "qualified_type" => (ty.child_by_field_name("name").map_or("", |n| src.text_of(n)), false),
        "generic_type" => {
            let Some(base) = ty.child_by_field_name("type") else { return Class::Unknown };
            return named_costly(src, base, needs_decl);
        }
        _ => return Class::Unknown,
    };
    let declared = if local { local_type_kind(src, name) } else { None };
    let costly = match declared {
        Some("struct_type") | Some("map_type") | Some("slice_type") | Some("array_type") => true,
        Some(_) => false,
        None => !needs_decl,
    };
    // The methods are looked up last, and only for a type that would be costly: a look-up in the
    // workspace index makes `check` analyse the file again once the index is complete.
    if costly && !formats_itself(src, name) {
        Class::Costly(format!("a `{}`", src.text_of(ty)))
    } else {
        Class::Unknown
    }
}

/// The kind of the underlying type of `type name …` declared at file level in this file.
fn local_type_kind(src: &Source<'_>, name: &str) -> Option<&'static str> {
    // The type may be named by another item: noted for the incremental cache, for the call that
    // `check` says it judges.
    src.reads_top_level(name);
    let mut kind = None;
    let root = src.root();
    let mut cursor = root.walk();
    for decl in root.named_children(&mut cursor).filter(|d| d.kind() == "type_declaration") {
        visit_all(decl, |n| {
            if n.kind() == "type_spec" && n.child_by_field_name("name").is_some_and(|x| src.text_of(x) == name) {
                kind = n.child_by_field_name("type").map(|t| t.kind());
            }
        });
    }
    kind
}

/// Whether a type of this name has a method that makes loggers and fmt skip reflection, declared
/// in this file or known to the workspace index.
fn formats_itself(src: &Source<'_>, type_name: &str) -> bool {
    const METHODS: &[&str] = &["String", "Error", "Format", "MarshalLogObject", "MarshalLogArray", "LogValue"];
    if METHODS.iter().any(|m| src.index.methods(m, type_name).next().is_some()) {
        return true;
    }
    let root = src.root();
    let mut cursor = root.walk();
    let found = root.named_children(&mut cursor).filter(|d| d.kind() == "method_declaration").any(|m| {
        let name = m.child_by_field_name("name").map_or("", |n| src.text_of(n));
        let recv = m.child_by_field_name("receiver").map_or("", |r| src.text_of(r));
        METHODS.contains(&name) && receiver_names(recv, type_name)
    });
    found
}

/// Whether a receiver list such as `(c *Claims)` or `(Claims)` names the type.
fn receiver_names(recv: &str, type_name: &str) -> bool {
    recv.trim_matches(['(', ')'])
        .split_whitespace()
        .last()
        .map(|t| t.trim_start_matches('*'))
        .map(|t| t.split('[').next().unwrap_or(t))
        == Some(type_name)
}

/// Whether `name`, used at `at`, is a type parameter of an enclosing generic function or of the
/// receiver of an enclosing method (`func (s *Stack[T]) …`).
fn is_type_parameter(src: &Source<'_>, at: Node<'_>, name: &str) -> bool {
    let mut cur = at.parent();
    while let Some(n) = cur {
        if let Some(list) = n.child_by_field_name("type_parameters") {
            let mut found = false;
            visit_all(list, |d| {
                if d.kind() == "type_parameter_declaration" {
                    let mut c = d.walk();
                    found |= d.children_by_field_name("name", &mut c).any(|x| src.text_of(x) == name);
                }
            });
            if found {
                return true;
            }
        }
        if n.kind() == "method_declaration" {
            let recv = n.child_by_field_name("receiver").map_or("", |r| src.text_of(r));
            if let (Some(open), Some(close)) = (recv.find('['), recv.rfind(']')) {
                if open < close && recv[open + 1..close].split([',', ' ', '\t']).any(|p| p == name) {
                    return true;
                }
            }
        }
        cur = n.parent();
    }
    false
}

/// The import path bound to the local package name `name` in this file.
fn import_path<'a>(src: &Source<'a>, name: &str) -> Option<&'a str> {
    let mut found = None;
    for &decl in src.import_decls() {
        visit_all(decl, |n| {
            if n.kind() != "import_spec" || found.is_some() {
                return;
            }
            let Some(path) = n.child_by_field_name("path").map(|p| src.text_of(p).trim_matches(['"', '`'])) else {
                return;
            };
            if src.import_name(path) == Some(name) {
                found = Some(path);
            }
        });
    }
    found
}

/// What a range variable holds, from the declared type of what is ranged over: the element of a
/// slice, array or channel, the key or value of a map.
fn range_variable(src: &Source<'_>, clause: Node<'_>, name: &str, hops: usize) -> Class {
    let Some(left) = clause.child_by_field_name("left") else { return Class::Unknown };
    let mut cursor = left.walk();
    let Some(idx) = left.named_children(&mut cursor).position(|n| src.text_of(n) == name) else {
        return Class::Unknown;
    };
    let Some(right) = clause.child_by_field_name("right").map(unparen) else { return Class::Unknown };
    if right.kind() != "identifier" || hops > MAX_HOPS {
        return Class::Unknown;
    }
    let ty = match declaration_of(src, right, src.text_of(right)) {
        Some(Declared::Param(p)) => Some(p.ty),
        Some(Declared::Var { ty: Some(ty), .. }) => Some(ty),
        Some(Declared::Var { ty: None, value: Some(v), .. }) => {
            let v = unparen(v);
            (v.kind() == "composite_literal").then(|| v.child_by_field_name("type")).flatten()
        }
        _ => None,
    };
    let Some(ty) = ty else { return Class::Unknown };
    let part = match (ty.kind(), idx) {
        ("slice_type" | "array_type" | "implicit_length_array_type", 1) => ty.child_by_field_name("element"),
        ("map_type", 0) => ty.child_by_field_name("key"),
        ("map_type", 1) => ty.child_by_field_name("value"),
        ("channel_type", 0) => ty.child_by_field_name("value"),
        _ => None,
    };
    part.map_or(Class::Unknown, |t| classify_type(src, t))
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze_text;
    use crate::config::Config;

    fn ours(text: &str) -> usize {
        analyze_text(text, &Config::default()).iter().filter(|f| f.rule == super::RULE.id).count()
    }

    #[test]
    fn half_typed_code_never_panics() {
        let text = include_str!("../../../tests/rules/costly-log-field/gin.go");
        for end in (0..text.len()).step_by(29).filter(|e| text.is_char_boundary(*e)) {
            let _ = analyze_text(&text[..end], &Config::default());
        }
    }

    #[test]
    fn deep_types_and_chains_are_bounded() {
        let deep = format!(
            "package a\nimport \"go.uber.org/zap\"\nfunc f(l *zap.Logger, v {}int) {{ for {{ l.Info(\"\", zap.Any(\"v\", {}v)) }} }}",
            "[]".repeat(5000),
            "&".repeat(5000)
        );
        assert_eq!(ours(&deep), 0);
    }

    #[test]
    fn a_pointer_to_a_workspace_struct_in_a_loop_is_costly() {
        let text = "package a\nimport (\n\"go.uber.org/zap\"\n\"example.com/app/auth\"\n)\n\
            func f(l *zap.Logger, cs []*auth.Claims) { for _, c := range cs { l.Info(\"\", zap.Any(\"c\", c)) } }";
        assert_eq!(ours(text), 1);
        let uuid = text.replace("example.com/app/auth", "github.com/google/uuid").replace("auth.Claims", "uuid.UUID");
        assert_eq!(ours(&uuid), 0, "well-known value types format themselves");
    }

    #[test]
    fn type_parameters_are_not_known_structs() {
        let generic = "package a\nimport \"go.uber.org/zap\"\n\
            func f[T any](l *zap.Logger, vs []*T) { for _, v := range vs { l.Info(\"\", zap.Any(\"v\", v)) } }";
        assert_eq!(ours(generic), 0);
        let method = "package a\nimport \"go.uber.org/zap\"\ntype S[T any] struct{ l *zap.Logger }\n\
            func (s *S[T]) f(vs []*T) { for _, v := range vs { s.l.Info(\"\", zap.Any(\"v\", v)) } }";
        assert_eq!(ours(method), 0);
        let concrete = generic.replace("[]*T", "[]*Claims").replace("f[T any]", "f");
        assert_eq!(ours(&concrete), 1);
    }

    /// A syntax error that swallows several functions makes the root of the tree an ERROR node
    /// instead of a `source_file`: the package-level `var` stays in scope in the functions before
    /// it, as Go scopes it.
    #[test]
    fn a_package_variable_stays_in_scope_under_an_error_root() {
        let mut text = String::from(
            "package a\n\nimport \"go.uber.org/zap\"\n\nvar cfg Config\n\ntype Config struct{ Name string }\n\n\
             func logs(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"cfg\", zap.Any(\"cfg\", cfg))\n\t}\n}\n",
        );
        assert_eq!(ours(&text), 1);
        for i in 0..3 {
            text.push_str(&format!(
                "\nqfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\ttype Config struct{{ n int }}\n\
                 \tvar req Config\n\t_ = req\n\treturn nil\n}}\n"
            ));
        }
        assert_eq!(crate::analysis::parse(&text, None).root_node().kind(), "ERROR", "the root is no ERROR");
        assert_eq!(ours(&text), 1);
    }

    #[test]
    fn a_struct_returned_by_another_workspace_package_is_costly() {
        use crate::analysis::index::{declarations, Index};
        use crate::analysis::{analyze_file, parse, FileInfo, Source};
        let mw = "package middleware\n\ntype Claims struct{ Roles []string }\n\nfunc ClaimsFrom(c *gin.Context) *Claims { return nil }\n";
        let handler = "package handlers\n\nimport (\n\t\"example.com/svc/middleware\"\n\t\"github.com/gin-gonic/gin\"\n\t\"go.uber.org/zap\"\n)\n\n\
            func Get(c *gin.Context, log *zap.Logger) {\n\tclaims := middleware.ClaimsFrom(c)\n\tlog.Info(\"user\", zap.Any(\"claims\", claims))\n}\n";
        let mut index = Index::default();
        let tree = parse(mw, None);
        index.set_file("mw.go", declarations(&Source::new(mw, &tree)));
        let tree = parse(handler, None);
        let config = Config::default();
        let with = analyze_file(handler, &tree, &config, &FileInfo::default(), &index);
        assert_eq!(with.iter().filter(|f| f.rule == "costly-log-field").count(), 1, "{with:?}");
        let without = analyze_file(handler, &tree, &config, &FileInfo::default(), &Index::default());
        assert!(without.iter().all(|f| f.rule != "costly-log-field"), "unknown without the index");
    }
}

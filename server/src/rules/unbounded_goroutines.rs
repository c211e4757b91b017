use std::collections::HashSet;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::edits::{ensure_imports_after, merge_inserts};
use crate::analysis::go::{
    ancestors_within, call_args, declaration_of, enclosing_functions, is_function, kind_id, method_call,
    next_statement, occurrences, outermost_function, snippet, unparen, visit_all, visit_in_function, walk_in_function,
    Declared, Marks, Param, Step,
};
use crate::analysis::handler::{in_handler, is_entry_or_test, scope_at};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "unbounded-goroutines",
    summary: "A goroutine is started per input item or per request with nothing bounding how many run at once.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unbounded-goroutines.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds `go` statements whose number is decided by input or by load, with nothing bounding them:

- a `go` in a loop over a collection, `for _, x := range xs` or `for i := 0; i < len(xs); i++`,
  when the collection comes from input: a parameter of the function (not the receiver), or a
  variable derived from one (`req.Items`, `strings.Split(s, ",")`);
- in a request handler or middleware (gin, echo, fiber, net/http, closures inside them included),
  a `go` in a loop over any collection, even a fixed one: four sections per request is still four
  goroutines times the request rate; a `go` in an endless or conditional loop (`for { … }`, one
  goroutine per message);
- in a request handler, a single `go` that the handler never waits for (no `Wait()`, channel
  receive or `select` after it): one fire-and-forget goroutine per request.

A goroutine is bounded, and not reported, when before the `go` (in its function or an enclosing
one) a semaphore is acquired: a send on a buffered channel (`sem <- struct{}{}`, also inside a
`select` with a `default` that answers 503), `sem.Acquire(ctx, 1)` or `sem.TryAcquire(1)`. A counted
loop with a bound that is not a length, `for i := 0; i < workers; i++ { go worker(jobs) }` or
`for range 8`, is a worker pool and is not reported. `errgroup.Group.Go` is not a `go` statement
and is left alone. Nothing is reported in `main`, `init`, tests, benchmarks and `_test.go` files,
in goroutines started under `sync.Once.Do`, for a handler goroutine that only waits on
`<-ctx.Done()`, or outside handlers for loops over channels, receivers' fields, fixed collections
or endless loops: `for { conn, _ := ln.Accept(); go handle(conn) }` is how servers are written and
the server's own concurrency limits apply there.

## Why it hurts under load

Each goroutine costs a stack (2 KiB growing to whatever its calls need) plus the buffers, response
bodies and decoded structures it holds while it works. One request fans out into N goroutines; at R
requests per second, each goroutine living T seconds, R×N×T are alive at once, and nothing stops
that product from growing when a dependency slows down: T grows, so more goroutines pile up, so the
GC works harder, so everything slows further. In the incident behind gohazard, every `GET /users`
started 4 goroutines (8 behind a middleware that ran the handler twice), each living up to 15 s:
the pod died of goroutines accumulating faster than they finished, not of a leak. A bound turns
that into backpressure: a request that cannot get a slot is refused with 503 at once instead of
queuing into a timeout.

## Example

```go
func (h *Users) GetUser(c *gin.Context) {
	results := make(chan sectionResult, len(profileSections))
	for _, section := range profileSections {
		go func() { // 4 goroutines per request, unbounded across requests
			data, err := h.profiles.FetchSection(c.Request.Context(), c.Param("id"), section)
			results <- sectionResult{name: section, data: data, err: err}
		}()
	}
	// ...
}
```

## Fix

Bound the goroutines across requests with a semaphore shared by the handlers, and answer 503 when
it is full: explicit backpressure instead of cascading timeouts.

```go
// fetchSlots bounds the fetches in flight across all requests.
var fetchSlots = semaphore.NewWeighted(256)

func (h *Users) GetUser(c *gin.Context) {
	n := int64(len(profileSections))
	if !fetchSlots.TryAcquire(n) {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "busy, retry later"})
		return
	}
	defer fetchSlots.Release(n)
	// ... start the goroutines, derived from c.Request.Context() ...
}
```

A buffered channel does the same: `sem := make(chan struct{}, 256)` shared, then
`select { case sem <- struct{}{}: defer func() { <-sem }() default: c.AbortWithStatus(http.StatusServiceUnavailable); return }`.

Bound the fan-out of one request with an `errgroup` and `SetLimit`, or a fixed worker pool reading
from a channel. The quick fix (not preferred, since it changes the code's structure) rewrites the
WaitGroup shape, and only that shape, onto an errgroup with at most 8 goroutines at once:

```go
var wg sync.WaitGroup
for _, id := range ids {
	wg.Add(1)
	go func(id string) {
		defer wg.Done()
		fetch(ctx, id)
	}(id)
}
wg.Wait()
```

becomes

```go
g, gctx := errgroup.WithContext(ctx)
g.SetLimit(8)
for _, id := range ids {
	g.Go(func() error {
		fetch(gctx, id)
		return nil
	})
}
_ = g.Wait()
```

The loop must be a `range` loop whose body is exactly `wg.Add(1)` and the `go` statement, the
goroutine a function literal that starts with `defer wg.Done()` and returns nothing, and the loop
must be followed by `wg.Wait()`. Literal parameters become variables of the loop body
(`p := arg`, omitted when the argument is the loop's own variable of the same name); bare
`return`s become `return nil`; the WaitGroup's declaration and the `sync` import go when nothing
else uses them (in a `var ( … )` group, the WaitGroup's line goes when gofmt would leave the other
lines as they are; otherwise there is no fix); `golang.org/x/sync/errgroup` is imported. When the goroutine uses the request's
context (`ctx`, `r.Context()`, `c.Request.Context()`), the group derives from it and the goroutine
gets the group's context; otherwise the fix declares `var g errgroup.Group`. The fix relies on
Go 1.22 loop variables (one per iteration) and is not offered when `go.mod` says an older Go. It is
not offered for loops over fixed collections either: their per-request count is already a constant
and what is missing is the bound across requests, the semaphore above. Adjust the limit 8 to what
the downstream can take.

## What it cannot see

- Bounds it does not know by name: a limiter type with another method than `Acquire`/`TryAcquire`
  (unless it guards the `go` as `if lim.Allow() { go f(func() { lim.Done() }) }`),
  `rate.Limiter.Wait`, a semaphore acquired in a middleware or a caller, a server-wide limit such
  as `netutil.LimitListener` or a proxy in front.
- A semaphore acquired inside the goroutine bounds the work but not the goroutines, which pile up
  waiting for it; such a `go` is still reported, and its message says so.
- Input that reaches a loop in another way than through a parameter: a field of the receiver, a
  package variable filled at run time, a variable assigned after its declaration
  (`var items []T; json.Unmarshal(body, &items)`) outside a handler.
- Goroutines started by a helper that a handler calls (the helper is judged on its own, by the
  loop's input), and `errgroup.Group.Go` without `SetLimit`, `sync.WaitGroup.Go` and `conc` pools.
- Long-lived workers kept in a map (`s.loops[key] = w; go w.run()`, or `w := s.loops[key]`) are
  taken as one worker per registered entity and not reported, even when the map grows with input.
- A `go` statement inside more than eight nested functions (function literals in function
  literals) is not judged.
- Worker pools sized by input (`for i := 0; i < n; i++` with a parameter `n`) look like pools and
  are not reported; a pool inside a handler is still one pool per request.
"#;

/// The limit the quick fix gives the errgroup.
const FIX_LIMIT: u32 = 8;

/// What a loop around a `go` statement means for how many goroutines it starts.
#[derive(Clone, Copy)]
enum Loop<'t> {
    /// One goroutine per element of the collection (`range xs`, `i < len(xs)`).
    Collection { coll: Node<'t> },
    /// A counted loop with a bound that is not a length: a worker pool.
    Pool,
    /// An endless or conditional loop, or a range over a channel: one goroutine per event.
    Stream,
}

/// Why a `go` statement is reported.
enum Kind<'t> {
    /// Once per element of `coll`; `fixed` holds the element count of a literal collection.
    Item { lp: Node<'t>, coll: Node<'t>, fixed: Option<usize>, handler: bool },
    /// Once per iteration of an endless or conditional loop in a handler.
    Event { lp: Node<'t> },
    /// Once per request, never waited for.
    Request,
}

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    if src.file.is_test {
        return;
    }
    let mut seen = HashSet::new();
    for m in matches(src, RULE.id) {
        let (Some(stmt), Some(call)) = (m.get("go"), m.get("go.call")) else { continue };
        if !seen.insert(stmt.id()) {
            continue;
        }
        if let Some(kind) = judge(src, config, stmt) {
            out.push(finding(src, config, stmt, call, m.get("go.literal"), kind));
        }
    }
}

/// Decides whether one `go` statement is unbounded, and why.
fn judge<'t>(src: &Source<'t>, config: &Config, stmt: Node<'t>) -> Option<Kind<'t>> {
    // The ancestors once, outermost first: walking up with `Node::parent` per question made the
    // rule cubic on deeply nested goroutines (tree-sitter finds a parent by descending from the
    // root).
    // Beyond a few functions deep, the descent to the statement and each question below cost a
    // walk of every enclosing function per `go` statement, quadratic in the nesting; real code is
    // never nested that deep, and a goroutine there is left unjudged rather than judged on part of
    // its context.
    let anc = ancestors_within(src.root(), stmt, MAX_FUNCS)?;
    let funcs: Vec<Node<'t>> = anc.iter().rev().copied().filter(|n| is_function(*n)).collect();
    let func = *funcs.first()?;
    if funcs.last().is_some_and(|f| is_entry_or_test(src, *f)) || under_once(src, &anc) {
        return None;
    }
    if bounded_before(src, stmt, &funcs) || guarded_by_limiter(src, stmt, &anc) || registered_worker(src, stmt, &anc) {
        return None;
    }
    let handler = in_handler(src, stmt, &config.context_types).is_some();
    let loops = enclosing_loops(stmt, func, &anc);
    let classified: Vec<(Node<'t>, Loop<'t>)> = loops.iter().map(|&l| (l, classify(src, l))).collect();
    // The innermost loop over a collection decides: it multiplies whatever the loops inside it do.
    for &(lp, kind) in &classified {
        if let Loop::Collection { coll } = kind {
            if handler {
                return Some(Kind::Item { lp, coll, fixed: fixed_collection(src, coll), handler });
            }
            if input_driven(src, coll, 0) {
                return Some(Kind::Item { lp, coll, fixed: None, handler });
            }
        }
    }
    if classified.iter().any(|(_, k)| matches!(k, Loop::Pool)) || !handler {
        return None;
    }
    if let Some(&(lp, _)) = classified.iter().find(|(_, k)| matches!(k, Loop::Stream)) {
        return Some(Kind::Event { lp });
    }
    if joined_after(src, stmt, &funcs) || watches_done(src, stmt) || server_lifecycle(src, stmt) {
        return None;
    }
    Some(Kind::Request)
}

/// How many functions may enclose a judged `go` statement (itself in a function literal in a
/// function literal…): see [`judge`].
const MAX_FUNCS: usize = 8;

/// How many enclosing loops are judged: real code rarely nests deeper, and resolving names in a
/// deeply nested tree is slow (tree-sitter finds a node's parent by walking down from the root).
const MAX_LOOPS: usize = 8;

/// The `for` statements around `node` inside `func`, innermost first, at most [`MAX_LOOPS`];
/// `anc` are the ancestors of `node`, outermost first.
fn enclosing_loops<'t>(node: Node<'t>, func: Node<'t>, anc: &[Node<'t>]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    for &n in anc.iter().rev() {
        if n.id() == func.id() {
            break;
        }
        // Only a `go` in the loop's body repeats; one in its header runs as often as the header.
        if n.kind() == "for_statement" && n.child_by_field_name("body").is_some_and(|b| contains(b, node)) {
            out.push(n);
            if out.len() == MAX_LOOPS {
                break;
            }
        }
    }
    out
}

fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

fn classify<'t>(src: &Source<'_>, lp: Node<'t>) -> Loop<'t> {
    let mut cursor = lp.walk();
    let header = lp.named_children(&mut cursor).find(|c| c.kind() != "block" && c.kind() != "comment");
    let Some(header) = header else { return Loop::Stream };
    match header.kind() {
        "range_clause" => {
            let Some(right) = header.child_by_field_name("right").map(unparen) else { return Loop::Stream };
            if let Some(coll) = len_of(src, right) {
                return Loop::Collection { coll };
            }
            if is_count(src, right) {
                return Loop::Pool;
            }
            if is_channel(src, right) {
                return Loop::Stream;
            }
            Loop::Collection { coll: right }
        }
        "for_clause" => {
            let Some(cond) = header.child_by_field_name("condition").map(unparen) else { return Loop::Stream };
            if cond.kind() != "binary_expression" {
                return Loop::Stream;
            }
            let op = cond.child_by_field_name("operator").map(|o| src.text_of(o)).unwrap_or("");
            let bound = match op {
                "<" | "<=" | "!=" => cond.child_by_field_name("right"),
                ">" | ">=" => cond.child_by_field_name("left"),
                _ => None,
            };
            match bound.map(unparen).and_then(|b| len_of(src, b)) {
                Some(coll) => Loop::Collection { coll },
                None => Loop::Pool,
            }
        }
        _ => Loop::Stream,
    }
}

/// For `len(xs)`, the collection `xs`.
fn len_of<'t>(src: &Source<'_>, expr: Node<'t>) -> Option<Node<'t>> {
    if expr.kind() != "call_expression" {
        return None;
    }
    let callee = expr.child_by_field_name("function")?;
    let args = call_args(expr);
    (callee.kind() == "identifier" && src.text_of(callee) == "len" && args.len() == 1).then(|| unparen(args[0]))
}

/// Whether a ranged expression is a number (Go 1.22 `for range n`): a literal, a constant, or a
/// variable or parameter of an integer type.
fn is_count(src: &Source<'_>, expr: Node<'_>) -> bool {
    match expr.kind() {
        "int_literal" => true,
        "identifier" => {
            let name = src.text_of(expr);
            match declaration_of(src, expr, name) {
                Some(Declared::Param(p)) => is_int_type(src, p.ty),
                Some(Declared::Var { ty: Some(ty), .. }) => is_int_type(src, ty),
                Some(Declared::Var { value: Some(v), .. }) => v.kind() == "int_literal",
                Some(_) => false,
                None => declares_const(src, expr, name),
            }
        }
        "selector_expression" => {
            // `cfg.Workers` is a configured count only when spelled as one; unknown otherwise.
            false
        }
        _ => false,
    }
}

fn is_int_type(src: &Source<'_>, ty: Node<'_>) -> bool {
    matches!(
        src.text_of(ty),
        "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64"
    )
}

/// Whether `name`, used at `at`, is a constant declared in a function around `at` or at file level:
/// in this file, any `const` spec naming it outside functions, or inside a function that holds
/// `at`. A constant of another function (or of a closure beside the use) is out of scope there.
///
/// The specs are found from the name in the text rather than by a walk of the tree: after a
/// keystroke the server analyses only the edited declaration, and a walk of the file made that
/// cost grow with the file.
fn declares_const(src: &Source<'_>, at: Node<'_>, name: &str) -> bool {
    src.reads_file_about_for(name, at);
    if name.is_empty() {
        return false;
    }
    let root = src.root();
    occurrences(src.text, name).any(|from| {
        let Some(id) = root.descendant_for_byte_range(from, from + name.len()) else { return false };
        if id.start_byte() != from || id.end_byte() != from + name.len() {
            return false;
        }
        let Some(spec) = id.parent().filter(|p| p.kind() == "const_spec") else { return false };
        let mut c = spec.walk();
        let named = spec.children_by_field_name("name", &mut c).any(|n| n.id() == id.id());
        // The innermost function around the spec, if any, must hold the use.
        named && enclosing_functions(root, spec).first().is_none_or(|f| contains(*f, at))
    })
}

/// Whether an expression is known to be a channel: a parameter or variable of channel type, or one
/// made with `make(chan …)`.
fn is_channel(src: &Source<'_>, expr: Node<'_>) -> bool {
    if expr.kind() != "identifier" {
        return false;
    }
    match declaration_of(src, expr, src.text_of(expr)) {
        Some(Declared::Param(p)) => p.ty.kind() == "channel_type",
        Some(Declared::Var { ty: Some(ty), .. }) => ty.kind() == "channel_type",
        Some(Declared::Var { value: Some(v), .. }) => made_chan(src, v).is_some(),
        _ => false,
    }
}

/// For `make(chan T)` / `make(chan T, n)`, whether the channel is buffered.
fn made_chan(src: &Source<'_>, expr: Node<'_>) -> Option<bool> {
    let expr = unparen(expr);
    if expr.kind() != "call_expression" {
        return None;
    }
    let callee = expr.child_by_field_name("function")?;
    if callee.kind() != "identifier" || src.text_of(callee) != "make" {
        return None;
    }
    let args = expr.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let parts: Vec<Node<'_>> = args.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect();
    if parts.first()?.kind() != "channel_type" {
        return None;
    }
    Some(parts.get(1).is_some_and(|n| src.text_of(*n) != "0"))
}

/// How many elements a collection written as a literal holds (`[]string{"a", "b"}` inline or in a
/// variable whose value is that literal).
fn fixed_collection(src: &Source<'_>, coll: Node<'_>) -> Option<usize> {
    let lit = match coll.kind() {
        "composite_literal" => coll,
        "identifier" => match declaration_of(src, coll, src.text_of(coll))? {
            Declared::Var { value: Some(v), .. } if unparen(v).kind() == "composite_literal" => unparen(v),
            _ => return None,
        },
        _ => return None,
    };
    let ty = lit.child_by_field_name("type")?;
    if !matches!(ty.kind(), "slice_type" | "array_type" | "implicit_length_array_type" | "map_type") {
        return None;
    }
    let body = lit.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let n = body.named_children(&mut cursor).filter(|n| n.kind() != "comment").count();
    Some(n)
}

/// How deep `input_driven` follows variables assigned from other variables.
const MAX_HOPS: usize = 4;

/// Whether a collection comes from input: a parameter of an enclosing function (not a receiver,
/// a channel or a function), or a variable, a field, an element or a call result derived from one.
fn input_driven(src: &Source<'_>, expr: Node<'_>, hops: usize) -> bool {
    if hops > MAX_HOPS {
        return false;
    }
    let expr = unparen(expr);
    match expr.kind() {
        "selector_expression" | "index_expression" | "slice_expression" | "type_assertion_expression" => {
            expr.child_by_field_name("operand").is_some_and(|o| input_driven(src, o, hops))
        }
        "unary_expression" => expr.child_by_field_name("operand").is_some_and(|o| input_driven(src, o, hops)),
        "call_expression" => {
            let via_recv = expr
                .child_by_field_name("function")
                .filter(|f| f.kind() == "selector_expression")
                .and_then(|f| f.child_by_field_name("operand"))
                .is_some_and(|o| input_driven(src, o, hops + 1));
            via_recv || call_args(expr).into_iter().any(|a| input_driven(src, a, hops + 1))
        }
        "identifier" => match declaration_of(src, expr, src.text_of(expr)) {
            Some(Declared::Param(p)) => {
                !is_receiver(p) && !matches!(p.ty.kind(), "channel_type" | "function_type") && !is_int_type(src, p.ty)
            }
            Some(Declared::Var { value: Some(v), .. }) => input_driven(src, v, hops + 1),
            Some(Declared::Other(n)) if n.kind() == "range_clause" => {
                n.child_by_field_name("right").is_some_and(|r| input_driven(src, r, hops + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_receiver(p: Param<'_>) -> bool {
    let Some(list) = p.name.parent().and_then(|d| d.parent()) else { return false };
    list.parent().and_then(|f| f.child_by_field_name("receiver")).is_some_and(|r| r.id() == list.id())
}

/// Whether a goroutine is started under `once.Do(func() { … })`, which runs once per process;
/// `anc` are the ancestors of the `go` statement, outermost first.
fn under_once(src: &Source<'_>, anc: &[Node<'_>]) -> bool {
    (2..anc.len()).any(|i| {
        anc[i].kind() == "func_literal"
            && anc[i - 1].kind() == "argument_list"
            && method_call(src, anc[i - 2]).is_some_and(|(_, m)| m == "Do")
    })
}

/// Whether a semaphore is acquired before `stmt` in its function or an enclosing one (`funcs`,
/// innermost first).
fn bounded_before(src: &Source<'_>, stmt: Node<'_>, funcs: &[Node<'_>]) -> bool {
    // Only a send or a call of `Acquire` or `TryAcquire` acquires, and its text holds `<-` or
    // `Acquire`: the walks skip the subtrees before the `go` that hold neither (nor a syntax
    // error, where a missing `<-` takes no text). Visiting every node of the enclosing functions
    // before each `go` cost a walk of most of the function per goroutine.
    let Some(outer) = funcs.last() else { return false };
    let from = outer.start_byte();
    let before = src.text.get(from..stmt.start_byte()).unwrap_or("");
    let mut offsets: Vec<usize> =
        occurrences(before, "<-").chain(occurrences(before, "Acquire")).map(|at| from + at).collect();
    offsets.sort_unstable();
    let mut marks = Marks::new(offsets);
    let mut found = false;
    for &f in funcs {
        if let Some(body) = f.child_by_field_name("body") {
            // Nodes come in source order: the ones starting before the `go` come first, and none of
            // them is inside it.
            walk_in_function(body, |n| {
                if n.start_byte() >= stmt.start_byte() {
                    return Step::Stop;
                }
                // A node that ends before the `go` does not hold it; one that does is entered.
                if n.end_byte() <= stmt.start_byte() && !n.has_error() && !marks.within(n.start_byte(), n.end_byte()) {
                    return Step::Skip;
                }
                found = is_acquire(src, n, false);
                if found {
                    Step::Stop
                } else {
                    Step::Enter
                }
            });
        }
        if found {
            return true;
        }
    }
    false
}

/// Whether the `go` runs only when a limiter let it, and the goroutine gives the slot back: it sits
/// in the `then` branch of an `if` whose condition calls a method on some `x`
/// (`if lim.Allow(ctx) {`), and a function literal in the `go` statement calls another method on
/// the same `x` (`go eval(r, func() { lim.Done() })`). That is a semaphore with names the rule does
/// not know; a condition that only looks something up (`if c.Has(k) { go c.Refresh(k) }`) has no
/// release inside a function literal and stays reported.
fn guarded_by_limiter(src: &Source<'_>, stmt: Node<'_>, anc: &[Node<'_>]) -> bool {
    // The innermost `if` around the `go` whose `then` branch holds it, without crossing a function.
    let mut inner = stmt;
    let mut guard = None;
    for &n in anc.iter().rev() {
        if is_function(n) {
            break;
        }
        if n.kind() == "if_statement" && n.child_by_field_name("consequence").is_some_and(|c| c.id() == inner.id()) {
            guard = Some(n);
            break;
        }
        inner = n;
    }
    let Some(cond) = guard.and_then(|g| g.child_by_field_name("condition")) else { return false };
    let mut acquired: Vec<(&str, &str)> = Vec::new();
    visit_in_function(cond, |n| {
        if let Some((recv, method)) = method_call(src, n) {
            let recv = unparen(recv);
            if recv.kind() == "identifier" {
                acquired.push((src.text_of(recv), method));
            }
        }
    });
    if acquired.is_empty() {
        return false;
    }
    let mut released = false;
    visit_all(stmt, |n| {
        if released || n.kind() != "func_literal" {
            return;
        }
        visit_all(n, |c| {
            if let Some((recv, method)) = method_call(src, c) {
                let recv = src.text_of(unparen(recv));
                released |= acquired.iter().any(|&(r, m)| r == recv && m != method);
            }
        });
    });
    released
}

/// Whether the goroutine is a long-lived worker kept in a registry: `go w.loop()` where the loop
/// body also stores `w` into a map or field (`s.loops[key] = w`), or took it from one
/// (`w, ok := s.loops[key]`). One such worker per registered entity is how per-target senders and
/// scrapers are written: they are stopped through the registry, and their number follows the
/// configured targets, not a request's input.
fn registered_worker(src: &Source<'_>, stmt: Node<'_>, anc: &[Node<'_>]) -> bool {
    let Some(call) = stmt.named_child(0) else { return false };
    let Some((recv, _)) = method_call(src, call) else { return false };
    let recv = unparen(recv);
    if recv.kind() != "identifier" {
        return false;
    }
    let name = src.text_of(recv);
    // The loop body around the `go`, without crossing a function.
    let Some(body) = anc
        .iter()
        .rev()
        .take_while(|n| !is_function(**n))
        .find(|n| n.kind() == "for_statement")
        .and_then(|lp| lp.child_by_field_name("body"))
    else {
        return false;
    };
    let is_registry = |n: Node<'_>| n.kind() == "index_expression";
    let is_name = |n: Node<'_>| n.kind() == "identifier" && src.text_of(n) == name;
    let mut found = false;
    visit_in_function(body, |n| {
        if found || !matches!(n.kind(), "assignment_statement" | "short_var_declaration") {
            return;
        }
        let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
            return;
        };
        let (Some(target), Some(value)) = (left.named_child(0).map(unparen), right.named_child(0).map(unparen)) else {
            return;
        };
        found = (is_registry(target) && is_name(value) && left.named_child_count() == 1)
            || (is_name(target) && is_registry(value) && right.named_child_count() == 1);
    });
    found
}

/// A semaphore acquisition: `sem <- struct{}{}`, `x.Acquire(…)`, `x.TryAcquire(…)`, and unless
/// `strict`, any send on a buffered (or not locally made) channel. Before a `go`, a send that may be
/// a semaphore keeps the rule quiet; inside a goroutine, only an unmistakable one is named in the
/// message (a goroutine sending its result is not acquiring anything).
fn is_acquire(src: &Source<'_>, n: Node<'_>, strict: bool) -> bool {
    // Kind ids, not names: the searches before a `go` and inside a goroutine test every node.
    let (send_statement, call_expression) = *ACQUIRE_KINDS;
    let kind = n.kind_id();
    if kind == call_expression {
        return method_call(src, n).is_some_and(|(_, m)| matches!(m, "Acquire" | "TryAcquire"));
    }
    if kind != send_statement {
        return false;
    }
    let value = n.child_by_field_name("value").map(unparen);
    if value.is_some_and(|v| is_empty_struct(src, v)) {
        return true;
    }
    if strict {
        return false;
    }
    let Some(ch) = n.child_by_field_name("channel").map(unparen) else { return false };
    if ch.kind() != "identifier" {
        return true;
    }
    match declaration_of(src, ch, src.text_of(ch)) {
        Some(Declared::Var { value: Some(v), .. }) => made_chan(src, v) != Some(false),
        _ => true,
    }
}

static ACQUIRE_KINDS: std::sync::LazyLock<(u16, u16)> =
    std::sync::LazyLock::new(|| (kind_id("send_statement"), kind_id("call_expression")));

fn is_empty_struct(src: &Source<'_>, v: Node<'_>) -> bool {
    v.kind() == "composite_literal"
        && v.child_by_field_name("type").is_some_and(|t| t.kind() == "struct_type")
        && v.child_by_field_name("body").is_some_and(|b| src.text_of(b).trim_matches(['{', '}', ' ']).is_empty())
}

/// Whether the function, or one enclosing it, waits for something after starting the goroutine: a
/// `Wait()`, a channel receive, a `range` over a channel or a `select`. The goroutine then ends with
/// the request instead of outliving it.
fn joined_after(src: &Source<'_>, stmt: Node<'_>, funcs: &[Node<'_>]) -> bool {
    let mut found = false;
    for &func in funcs {
        if let Some(body) = func.child_by_field_name("body") {
            walk_in_function(body, |n| {
                // A subtree that ends before the `go` does holds nothing after it.
                if n.end_byte() < stmt.end_byte() {
                    return Step::Skip;
                }
                if n.start_byte() < stmt.end_byte() {
                    return Step::Enter;
                }
                // Kind ids, not names: this tests every node after the `go`.
                let k = &*JOIN_KINDS;
                let kind = n.kind_id();
                found = if kind == k.select {
                    true
                } else if kind == k.range {
                    n.child_by_field_name("right").is_some_and(|r| is_channel(src, unparen(r)))
                } else if kind == k.unary {
                    n.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "<-")
                } else if kind == k.call {
                    method_call(src, n).is_some_and(|(_, m)| m == "Wait") && call_args(n).is_empty()
                } else {
                    false
                };
                if found {
                    Step::Stop
                } else {
                    Step::Enter
                }
            });
        }
        if found {
            return true;
        }
    }
    false
}

/// The kinds of the nodes [`joined_after`] tests.
struct JoinKinds {
    select: u16,
    range: u16,
    unary: u16,
    call: u16,
}

static JOIN_KINDS: std::sync::LazyLock<JoinKinds> = std::sync::LazyLock::new(|| JoinKinds {
    select: kind_id("select_statement"),
    range: kind_id("range_clause"),
    unary: kind_id("unary_expression"),
    call: kind_id("call_expression"),
});

/// Whether the goroutine starts or stops a server (`go srv.ListenAndServe()`, `go srv.Shutdown(ctx)`):
/// a lifecycle event, not work that scales with requests.
fn server_lifecycle(src: &Source<'_>, stmt: Node<'_>) -> bool {
    let Some(call) = stmt.named_child(0) else { return false };
    method_call(src, call)
        .is_some_and(|(_, m)| matches!(m, "ListenAndServe" | "ListenAndServeTLS" | "Serve" | "ServeTLS" | "Shutdown"))
}

/// Whether the goroutine only waits for a `Done()` channel first (`go func() { <-ctx.Done(); … }()`):
/// a watcher that ends with the request.
fn watches_done(src: &Source<'_>, stmt: Node<'_>) -> bool {
    let Some(lit) = go_literal(stmt) else { return false };
    let Some(first) = body_statements(lit).into_iter().next() else { return false };
    let Some(expr) = first.named_child(0).filter(|_| first.kind() == "expression_statement") else { return false };
    expr.kind() == "unary_expression"
        && expr.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "<-")
        && expr.child_by_field_name("operand").is_some_and(|o| method_call(src, o).is_some_and(|(_, m)| m == "Done"))
}

fn go_literal(stmt: Node<'_>) -> Option<Node<'_>> {
    let call = stmt.named_child(0)?;
    call.child_by_field_name("function").filter(|f| f.kind() == "func_literal")
}

/// The statements of a function literal's body, comments left out.
fn body_statements(lit: Node<'_>) -> Vec<Node<'_>> {
    let Some(body) = lit.child_by_field_name("body") else { return Vec::new() };
    block_statements(body)
}

fn block_statements(block: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = block.walk();
    let Some(list) = block.named_children(&mut cursor).find(|n| n.kind() == "statement_list") else {
        return Vec::new();
    };
    let mut c2 = list.walk();
    list.named_children(&mut c2).filter(|n| n.kind() != "comment").collect()
}

/// Whether the goroutine acquires a semaphore itself, which bounds its work but not the goroutines.
fn acquires_inside(src: &Source<'_>, literal: Option<Node<'_>>) -> bool {
    let Some(lit) = literal else { return false };
    let Some(body) = lit.child_by_field_name("body") else { return false };
    let mut found = false;
    visit_in_function(body, |n| found |= is_acquire(src, n, true));
    found
}

fn finding<'t>(
    src: &Source<'t>,
    config: &Config,
    stmt: Node<'t>,
    call: Node<'t>,
    literal: Option<Node<'t>>,
    kind: Kind<'t>,
) -> Finding {
    let inside = if acquires_inside(src, literal) {
        " (the semaphore acquired inside the goroutine bounds its work, not the goroutines, which pile up waiting: acquire before `go`)"
    } else {
        ""
    };
    let missing = "with no semaphore acquired before it, no errgroup limit and no worker pool";
    let mut related = Vec::new();
    let mut fixes = Vec::new();
    let message = match &kind {
        Kind::Item { lp, coll, fixed: Some(n), .. } => {
            related.push(Related { range: lp.byte_range(), message: format!("one goroutine per element of `{}`", snippet(src.text_of(*coll))) });
            format!(
                "this `go` starts {n} goroutines per request (one per element of `{}`) {missing}{inside}: at R requests per second, each goroutine living T seconds, {n}×R×T are alive at once, each with its stack and buffers, with no bound across requests",
                snippet(src.text_of(*coll))
            )
        }
        Kind::Item { lp, coll, fixed: None, handler } => {
            related.push(Related { range: lp.byte_range(), message: format!("one goroutine per element of `{}`", snippet(src.text_of(*coll))) });
            fixes.extend(errgroup_fix(src, config, stmt, call, *lp));
            if *handler {
                format!(
                    "this `go` starts one goroutine per element of `{}` on every request {missing}{inside}: one request fans out into N goroutines, each with its stack and buffers, so at R requests per second R×N×T are alive at once (T how long each lives), without bound",
                    snippet(src.text_of(*coll))
                )
            } else {
                format!(
                    "this `go` starts one goroutine per element of `{}` {missing}{inside}: the input's length decides how many goroutines, each with its stack and buffers, are alive at once, and under load every caller multiplies them",
                    snippet(src.text_of(*coll))
                )
            }
        }
        Kind::Event { lp } => {
            related.push(Related { range: lp.byte_range(), message: "one goroutine per iteration of this loop".to_string() });
            format!(
                "this `go` in a request handler starts one goroutine per iteration of its loop {missing}{inside}: how many run at once is decided by the client and multiplied by the requests in flight"
            )
        }
        Kind::Request => format!(
            "this `go` starts a goroutine on every request that the handler never waits for, {missing}{inside}: at R requests per second R goroutines start each second and outlive their requests, so a slow dependency piles them up without bound"
        ),
    };
    Finding { rule: RULE.id, severity: RULE.default_severity, message, range: go_keyword(stmt), related, fixes }
}

/// The range of the statement's first line, so the diagnostic does not underline a whole closure.
fn go_keyword(stmt: Node<'_>) -> std::ops::Range<usize> {
    let call = stmt.named_child(0);
    let end = call
        .and_then(|c| c.child_by_field_name("function"))
        .filter(|f| f.kind() == "func_literal")
        .and_then(|f| f.child_by_field_name("body"))
        .map_or(stmt.end_byte(), |b| b.start_byte() + 1);
    stmt.start_byte()..end
}

// ---- The errgroup-setlimit fix ----

/// The parts of the WaitGroup shape the fix rewrites.
struct Shape<'t> {
    wg: &'t str,
    add: Node<'t>,
    literal: Node<'t>,
    done: Node<'t>,
    wait: Node<'t>,
}

fn shape<'t>(src: &Source<'t>, stmt: Node<'t>, call: Node<'t>, lp: Node<'t>) -> Option<Shape<'t>> {
    // A range loop whose body is exactly `wg.Add(1)` and the `go` statement.
    let mut cursor = lp.walk();
    if !lp.named_children(&mut cursor).any(|c| c.kind() == "range_clause") {
        return None;
    }
    let body = lp.child_by_field_name("body")?;
    let stmts = block_statements(body);
    let [add, go] = stmts.as_slice() else { return None };
    if go.id() != stmt.id() {
        return None;
    }
    let add_call = add.named_child(0).filter(|_| add.kind() == "expression_statement")?;
    let (recv, method) = method_call(src, add_call)?;
    let args = call_args(add_call);
    if method != "Add" || args.len() != 1 || src.text_of(args[0]) != "1" {
        return None;
    }
    let wg = src.text_of(recv);
    let literal = call.child_by_field_name("function").filter(|f| f.kind() == "func_literal")?;
    if literal.child_by_field_name("result").is_some() {
        return None;
    }
    let done = *body_statements(literal).first()?;
    let done_call = done.named_child(0).filter(|_| done.kind() == "defer_statement")?;
    if !method_call(src, done_call).is_some_and(|(r, m)| m == "Done" && src.text_of(r) == wg)
        || !call_args(done_call).is_empty()
    {
        return None;
    }
    let wait = next_statement(lp)?;
    let wait_call = wait.named_child(0).filter(|_| wait.kind() == "expression_statement")?;
    if !method_call(src, wait_call).is_some_and(|(r, m)| m == "Wait" && src.text_of(r) == wg)
        || !call_args(wait_call).is_empty()
    {
        return None;
    }
    Some(Shape { wg, add: *add, literal, done, wait })
}

fn errgroup_fix<'t>(src: &Source<'t>, config: &Config, stmt: Node<'t>, call: Node<'t>, lp: Node<'t>) -> Option<Fix> {
    if src.file.go_version.is_some_and(|v| v < (1, 22)) {
        return None;
    }
    let s = shape(src, stmt, call, lp)?;
    let nl = src.newline();
    let func = outermost_function(stmt)?;
    // Every statement the fix deletes or rewrites must stand alone on its lines.
    for n in [lp, s.add, stmt, s.done, s.wait] {
        if !alone_on_lines(src, n) {
            return None;
        }
    }
    let literal_body = s.literal.child_by_field_name("body")?;
    if !src.text[src.line_start(literal_body.end_byte() - 1)..literal_body.end_byte() - 1].trim().is_empty() {
        return None;
    }
    // Whether the WaitGroup's declaration can go is asked before the rest, which walks the whole
    // function for names: a declaration the fix cannot delete cleanly (one of a `var (…)` group
    // that gofmt would realign without it) means no fix, whatever the rest finds.
    let removed: Vec<std::ops::Range<usize>> =
        vec![whole_lines(src, s.add), whole_lines(src, s.done), s.wait.byte_range()];
    let wg_declaration = unused_declaration(src, func, lp, s.wg, &removed)?;
    let used = identifiers(src, func, &NAMES);
    let free = |mut names: std::ops::Range<usize>| names.find(|&i| !used[i]).map(|i| NAMES[i]);
    let group = free(0..3)?;
    let group_ctx = free(3..5)?;

    let mut edits = Vec::new();
    // The request's context, where the goroutine uses it, becomes the group's.
    let scope = scope_at(src, stmt, &config.context_types);
    let ctx_uses: Vec<Node<'_>> =
        scope.as_ref().map(|sc| context_uses(src, s.literal, &sc.context_expr)).unwrap_or_default();
    let indent = src.indent_at(lp.start_byte());
    let header = match (&scope, ctx_uses.is_empty()) {
        (Some(sc), false) => format!(
            "{indent}{group}, {group_ctx} := errgroup.WithContext({}){nl}{indent}{group}.SetLimit({FIX_LIMIT}){nl}",
            sc.context_expr
        ),
        _ => format!("{indent}var {group} errgroup.Group{nl}{indent}{group}.SetLimit({FIX_LIMIT}){nl}"),
    };
    for u in &ctx_uses {
        edits.push(Edit::replace(u.byte_range(), group_ctx));
    }
    // The WaitGroup's declaration goes when nothing else uses it, and `sync` with it. Asked before
    // the import is added: a `sync` spec that goes must not decide where errgroup's goes.
    let mut deletions = Vec::new();
    if let Some(range) = wg_declaration {
        deletions.push(range.clone());
        let mut gone = removed.clone();
        gone.push(range);
        deletions.extend(unused_import(src, "sync", &gone, stmt)?);
    }
    let (names, import_edits) = ensure_imports_after(src, &["golang.org/x/sync/errgroup"], &deletions)?;
    if names.first().map(String::as_str) != Some("errgroup") {
        return None;
    }
    edits.push(Edit::insert(src.line_start(lp.start_byte()), header));

    // `wg.Add(1)` goes; the literal's parameters become variables of the loop body.
    let params = literal_params(src, s.literal)?;
    let args = call_args(call);
    if params.len() != args.len() {
        return None;
    }
    let range_vars = range_variables(src, lp);
    let go_indent = src.indent_at(stmt.start_byte());
    let mut bindings = String::new();
    for (p, a) in params.iter().zip(&args) {
        let arg = src.text_of(*a);
        // An argument moves from a call's argument list to the right of `:=`, where gofmt spaces
        // operators differently; only arguments without operators keep their formatting.
        if has_descendant(*a, &["binary_expression", "func_literal"]) || arg.contains('\n') {
            return None;
        }
        if *p == "_" {
            // A discarded argument is dropped; only a plain name is sure to have no effect.
            if a.kind() != "identifier" {
                return None;
            }
            continue;
        }
        if *p == arg && range_vars.contains(&arg) {
            continue;
        }
        bindings.push_str(&format!("{go_indent}{p} := {arg}{nl}"));
    }
    edits.push(Edit::replace(whole_lines(src, s.add), bindings));

    // `go func(params) {` becomes `g.Go(func() error {`, `}(args)` becomes `})`.
    edits.push(Edit::replace(stmt.start_byte()..literal_body.start_byte() + 1, format!("{group}.Go(func() error {{")));
    edits.push(Edit::replace(s.literal.end_byte()..stmt.end_byte(), ")"));
    edits.push(Edit::delete(whole_lines(src, s.done)));
    let mut last_is_return = false;
    let body_stmts = body_statements(s.literal);
    if let Some(last) = body_stmts.last() {
        last_is_return = last.kind() == "return_statement";
    }
    visit_in_function(literal_body, |n| {
        if n.kind() == "return_statement" && n.named_child_count() == 0 {
            edits.push(Edit::replace(n.byte_range(), "return nil"));
        }
    });
    if !last_is_return {
        let close = literal_body.end_byte() - 1;
        edits.push(Edit::insert(src.line_start(close), format!("{go_indent}\treturn nil{nl}")));
    }
    let wait_call = s.wait.named_child(0)?;
    edits.push(Edit::replace(wait_call.byte_range(), format!("_ = {group}.Wait()")));

    edits.extend(deletions.into_iter().map(Edit::delete));
    edits.extend(import_edits);
    Some(Fix {
        id: "errgroup-setlimit",
        title: format!("Run the goroutines on an errgroup with at most {FIX_LIMIT} at once"),
        edits: combine(edits),
        preferred: false,
    })
}

/// Merges inserts that land where a deletion starts into that deletion, so edits never overlap.
fn combine(edits: Vec<Edit>) -> Vec<Edit> {
    let mut edits = merge_inserts(edits);
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        match out.last_mut() {
            Some(prev) if prev.range.is_empty() && prev.range.start == e.range.start => {
                let mut text = std::mem::take(&mut prev.new_text);
                text.push_str(&e.new_text);
                *prev = Edit::replace(e.range, text);
            }
            _ => out.push(e),
        }
    }
    out
}

fn has_descendant(node: Node<'_>, kinds: &[&str]) -> bool {
    let mut found = false;
    visit_all(node, |n| found |= kinds.contains(&n.kind()));
    found
}

/// Whether a node starts its line and ends it (a trailing comment allowed).
fn alone_on_lines(src: &Source<'_>, n: Node<'_>) -> bool {
    let before = &src.text[src.line_start(n.start_byte())..n.start_byte()];
    let end = src.line_end_inclusive(n.end_byte());
    let after = src.text[n.end_byte()..end].trim();
    before.trim().is_empty() && (after.is_empty() || after.starts_with("//"))
}

fn whole_lines(src: &Source<'_>, n: Node<'_>) -> std::ops::Range<usize> {
    src.line_start(n.start_byte())..src.line_end_inclusive(n.end_byte())
}

/// The names the fix may give the group and its context, in order of preference: the first three
/// for the group, the last two for the context.
const NAMES: [&str; 5] = ["g", "eg", "group", "gctx", "groupCtx"];

/// Which of `names` a function spells as an identifier, to pick names that shadow nothing. Only
/// these few names are compared: collecting every identifier of the function into a set cost a
/// hash per identifier, for each goroutine the fix is offered on.
fn identifiers<const N: usize>(src: &Source<'_>, func: Node<'_>, names: &[&str; N]) -> [bool; N] {
    let (identifier, package_identifier) = *IDENTIFIERS;
    let mut used = [false; N];
    visit_all(func, |n| {
        let kind = n.kind_id();
        if kind == identifier || kind == package_identifier {
            let text = src.text_of(n);
            for (u, name) in used.iter_mut().zip(names) {
                *u |= text == *name;
            }
        }
    });
    used
}

static CALL: std::sync::LazyLock<u16> = std::sync::LazyLock::new(|| kind_id("call_expression"));

/// The kind ids of `identifier` and `package_identifier`.
static IDENTIFIERS: std::sync::LazyLock<(u16, u16)> =
    std::sync::LazyLock::new(|| (kind_id("identifier"), kind_id("package_identifier")));

/// The parameter names of a function literal; `None` for unnamed or variadic parameters.
fn literal_params<'a>(src: &Source<'a>, lit: Node<'_>) -> Option<Vec<&'a str>> {
    let list = lit.child_by_field_name("parameters")?;
    let mut out = Vec::new();
    let mut cursor = list.walk();
    for decl in list.named_children(&mut cursor) {
        match decl.kind() {
            "parameter_declaration" => {
                let mut c2 = decl.walk();
                let names: Vec<&str> = decl.children_by_field_name("name", &mut c2).map(|n| src.text_of(n)).collect();
                if names.is_empty() {
                    return None;
                }
                out.extend(names);
            }
            "comment" => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The names a `for … := range` loop declares.
fn range_variables<'a>(src: &Source<'a>, lp: Node<'_>) -> Vec<&'a str> {
    let mut cursor = lp.walk();
    let Some(clause) = lp.named_children(&mut cursor).find(|c| c.kind() == "range_clause") else { return Vec::new() };
    let declares = (0..clause.child_count()).filter_map(|i| clause.child(i)).any(|c| c.kind() == ":=");
    let Some(left) = clause.child_by_field_name("left").filter(|_| declares) else { return Vec::new() };
    let mut c2 = left.walk();
    left.named_children(&mut c2).filter(|n| n.kind() == "identifier").map(|n| src.text_of(n)).collect()
}

/// The places in a goroutine literal that spell the request's context: the identifier `ctx` bound
/// outside the literal, or the call `r.Context()`, `c.Request.Context()` as written.
fn context_uses<'t>(src: &Source<'_>, lit: Node<'t>, context_expr: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let Some(body) = lit.child_by_field_name("body") else { return out };
    let plain = !context_expr.contains('(');
    let (identifier, _) = *IDENTIFIERS;
    let call = *CALL;
    visit_all(body, |n| {
        if plain && n.kind_id() == identifier && src.text_of(n) == context_expr {
            // A field name or a key is not the variable; a declaration inside the literal shadows it.
            let outer = match declaration_of(src, n, context_expr) {
                Some(Declared::Param(p)) => p.name.start_byte() < lit.start_byte(),
                Some(Declared::Var { stmt, .. }) => stmt.start_byte() < lit.start_byte(),
                Some(Declared::Other(o)) => o.start_byte() < lit.start_byte(),
                None => false,
            };
            if outer && !is_declared_here(n) {
                out.push(n);
            }
        }
        // Compared without building the call's text without spaces: that allocated a copy of
        // every call's text, nested ones included.
        if !plain
            && n.kind_id() == call
            && src.text_of(n).chars().filter(|c| !c.is_whitespace()).eq(context_expr.chars())
        {
            out.push(n);
        }
    });
    out
}

/// Whether an identifier is itself being declared (the left side of `:=`, a parameter name).
fn is_declared_here(id: Node<'_>) -> bool {
    let Some(parent) = id.parent() else { return false };
    match parent.kind() {
        "expression_list" => parent
            .parent()
            .is_some_and(|s| s.kind() == "short_var_declaration" && s.child_by_field_name("left") == Some(parent)),
        "parameter_declaration" | "var_spec" => true,
        _ => false,
    }
}

/// The lines declaring the WaitGroup `wg`, when it is a local variable that nothing but the removed
/// statements uses. `Some(None)` when there is nothing to delete (a field, a parameter, or a variable
/// still used elsewhere); `None` when the declaration cannot be deleted cleanly.
fn unused_declaration(
    src: &Source<'_>,
    func: Node<'_>,
    at: Node<'_>,
    wg: &str,
    removed: &[std::ops::Range<usize>],
) -> Option<Option<std::ops::Range<usize>>> {
    if wg.contains('.') {
        return Some(None);
    }
    let decl_stmt = match declaration_of(src, at, wg) {
        Some(Declared::Var { stmt, .. }) => stmt,
        _ => return Some(None),
    };
    if !contains(func, decl_stmt) {
        return Some(None);
    }
    // `var wg sync.WaitGroup` is a var_spec inside a var_declaration statement; in `var ( … )` the
    // specs sit in a var_spec_list. A group's other specs stay, so only the WaitGroup's spec goes,
    // and only where gofmt would leave the rest of the group as it is.
    let whole = if decl_stmt.kind() == "var_spec" {
        let parent = decl_stmt.parent()?;
        match parent.kind() {
            "var_declaration" => parent,
            "var_spec_list" if parent.parent().is_some_and(|d| d.kind() == "var_declaration") => {
                let mut cursor = parent.walk();
                let members: Vec<Node<'_>> = parent.named_children(&mut cursor).collect();
                match members.as_slice() {
                    [only] if only.id() == decl_stmt.id() => parent.parent()?,
                    _ if group_keeps_layout(src, &members, decl_stmt) => decl_stmt,
                    _ => return None,
                }
            }
            _ => return None,
        }
    } else {
        decl_stmt
    };
    let mut other_use = false;
    visit_all(func, |n| {
        if n.kind() == "identifier"
            && src.text_of(n) == wg
            && !contains(whole, n)
            && !removed.iter().any(|r| r.start <= n.start_byte() && n.end_byte() <= r.end)
        {
            other_use = true;
        }
    });
    if other_use {
        return Some(None);
    }
    if crate::analysis::go::assigned_names(decl_stmt).len() != 1 || !alone_on_lines(src, whole) {
        return None;
    }
    Some(Some(whole_lines(src, whole)))
}

/// Whether deleting the lines of `spec`, one of the `members` of a `var ( … )` group, leaves gofmt's
/// layout of the other specs as it was, so the fixed file stays formatted.
///
/// gofmt aligns the specs' columns (names, types, `= values`, comments) over runs of adjacent
/// one-line specs. Only the cases where the deleted spec provably takes part in no alignment pass:
/// every member is one spec on one line and the group holds no comment (a comment column depends on
/// every cell before it); the spec has a type and no value, so its type is the last cell of its line
/// and sets no column's width; another spec of its run of adjacent lines has names at least as wide,
/// so the names' column keeps its width; and the specs around it do not both have values, since gofmt
/// decides per run of specs with values whether they keep an empty type column, and deleting the
/// spec between two such runs would join them. Anything else gets no fix, which is better than a fix
/// that leaves the file for gofmt to rewrite.
fn group_keeps_layout(src: &Source<'_>, members: &[Node<'_>], spec: Node<'_>) -> bool {
    let Some(declaration) = spec.parent().and_then(|list| list.parent()) else { return false };
    let mut comment = false;
    visit_all(declaration, |n| comment |= n.kind() == "comment");
    let one_line = |n: &Node<'_>| n.start_position().row == n.end_position().row;
    if comment || members.iter().any(|m| m.kind() != "var_spec" || !one_line(m)) {
        return false;
    }
    let has_value = |n: &Node<'_>| n.child_by_field_name("value").is_some();
    if spec.child_by_field_name("type").is_none() || has_value(&spec) {
        return false;
    }
    let Some(at) = members.iter().position(|m| m.id() == spec.id()) else { return false };
    if at > 0 && members.get(at + 1).is_some_and(|next| has_value(next) && has_value(&members[at - 1])) {
        return false;
    }
    // The width of a spec's names as gofmt prints them: `a, b`.
    let names_width = |m: &Node<'_>| {
        let mut cursor = m.walk();
        let names: Vec<&str> = m.children_by_field_name("name", &mut cursor).map(|n| src.text_of(n)).collect();
        names.iter().map(|n| n.chars().count()).sum::<usize>() + 2 * names.len().saturating_sub(1)
    };
    // The run of specs on adjacent lines around `spec`: a blank line ends gofmt's alignment.
    let row = |m: &Node<'_>| m.start_position().row;
    let mut first = at;
    while first > 0 && row(&members[first - 1]) + 1 == row(&members[first]) {
        first -= 1;
    }
    let mut last = at;
    while last + 1 < members.len() && row(&members[last]) + 1 == row(&members[last + 1]) {
        last += 1;
    }
    let width = names_width(&spec);
    (first..=last).any(|i| i != at && names_width(&members[i]) >= width)
}

/// What to do with the import of `path` once the ranges `gone` are deleted: `Some(None)` when its
/// package is still used, `Some(Some(lines))` to delete its spec, `None` when it cannot be deleted
/// without touching the errgroup import the fix adds (a single `import "sync"` declaration).
/// `at` is the `go` statement the fix is for.
fn unused_import(
    src: &Source<'_>,
    path: &str,
    gone: &[std::ops::Range<usize>],
    at: Node<'_>,
) -> Option<Option<std::ops::Range<usize>>> {
    let Some(name) = src.import_name(path) else { return Some(None) };
    let root = src.root();
    // A use is `name.X` as a selector's operand or a qualified type's package. Each one's name is
    // an occurrence of the word in the text, so the search starts there rather than at every node
    // of the file: the fix is offered on every goroutine of a WaitGroup shape, and a walk of the
    // whole file per offer made the rule's cost grow with the square of a file's goroutines.
    let imports = src.import_decls();
    let used_in = |from: usize, text: &str| {
        occurrences(text, name).map(|i| from + i).any(|at| {
            let Some(n) = root.descendant_for_byte_range(at, at + name.len()) else { return false };
            let Some(parent) = n.parent().filter(|_| n.byte_range() == (at..at + name.len())) else { return false };
            let refers = match parent.kind() {
                "qualified_type" => parent.child_by_field_name("package") == Some(n),
                "selector_expression" => n.kind() == "identifier" && parent.child_by_field_name("operand") == Some(n),
                _ => false,
            };
            let in_import = imports.iter().any(|d| d.start_byte() <= at && at < d.end_byte());
            let deleted = gone.iter().any(|r| r.start <= parent.start_byte() && parent.end_byte() <= r.end);
            refers && !in_import && !deleted
        })
    };
    // A use in the goroutine's own function (a `sync.Mutex` beside the WaitGroup, most often)
    // keeps the import whatever the rest of the file holds, and is in the item's own text.
    let func = outermost_function(at).unwrap_or(root);
    if used_in(func.start_byte(), src.text_of(func)) {
        return Some(None);
    }
    // Otherwise the uses may lie in any function of the file, which the item that holds `at` need
    // not mention: noted for the incremental cache, for that item alone. Noting it for every
    // goroutine the fix is offered on made an edit anywhere near `sync` re-run all of them.
    src.reads_file_about_for(name, at);
    // The function itself was searched above; a use lies wholly inside it or wholly outside.
    let (before, after) = (&src.text[..func.start_byte()], &src.text[func.end_byte()..]);
    if used_in(0, before) || used_in(func.end_byte(), after) {
        return Some(None);
    }
    let mut spec = None;
    for &decl in imports {
        visit_all(decl, |n| {
            if n.kind() == "import_spec"
                && n.child_by_field_name("path").is_some_and(|p| src.text_of(p).trim_matches(['"', '`']) == path)
            {
                spec = Some(n);
            }
        });
    }
    let spec = spec?;
    // In a block, the spec's line goes (the errgroup import lands in the same block).
    (spec.parent()?.kind() == "import_spec_list" && alone_on_lines(src, spec)).then(|| Some(whole_lines(src, spec)))
}

#[cfg(test)]
mod tests {
    use crate::analysis::index::Index;
    use crate::analysis::{parse, FileInfo, Finding, Source};
    use crate::config::Config;

    const SHAPE: &str = "package a\n\nimport (\n\t\"sync\"\n)\n\nfunc f(ids []string) {\n\tvar wg sync.WaitGroup\n\tfor _, id := range ids {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\tuse(id)\n\t\t}()\n\t}\n\twg.Wait()\n}\n";

    /// This rule's findings alone, with the file facts given.
    fn run(text: &str, file: FileInfo) -> Vec<Finding> {
        let tree = parse(text, None);
        let index = Index::default();
        let mut src = Source::new(text, &tree).with_context(&file, &index);
        src.prepare_matches();
        let mut out = Vec::new();
        super::check(&src, &Config::default(), &mut out);
        out
    }

    fn fixes(text: &str, go_version: Option<(u32, u32)>) -> Vec<Vec<&'static str>> {
        run(text, FileInfo { is_test: false, go_version })
            .into_iter()
            .map(|f| f.fixes.iter().map(|x| x.id).collect())
            .collect()
    }

    #[test]
    fn the_fix_needs_per_iteration_loop_variables() {
        assert_eq!(fixes(SHAPE, None), [["errgroup-setlimit"]]);
        assert_eq!(fixes(SHAPE, Some((1, 22))), [["errgroup-setlimit"]]);
        assert_eq!(fixes(SHAPE, Some((1, 21))), [Vec::<&str>::new()]);
        // `sync` goes with the WaitGroup and errgroup takes its place, with no empty group left.
        let found = run(SHAPE, FileInfo::default());
        let fixed = crate::analysis::fix::apply_edits(SHAPE, &found[0].fixes[0].edits).unwrap();
        assert!(fixed.starts_with("package a\n\nimport (\n\t\"golang.org/x/sync/errgroup\"\n)\n"), "{fixed}");
        // A lone `import "sync"` cannot make room for errgroup without clashing edits: no fix.
        let single = SHAPE.replace("import (\n\t\"sync\"\n)", "import \"sync\"");
        assert_eq!(fixes(&single, None), [Vec::<&str>::new()]);
    }

    /// In a `var ( … )` group the fix deletes the WaitGroup's line only where gofmt leaves the
    /// other lines as they are; each case here would leave a file gofmt rewrites (checked with gofmt
    /// 1.22: a widest name realigns the others, two runs of values join into one that keeps a type
    /// column, a comment column depends on the cells before it).
    #[test]
    fn a_grouped_waitgroup_goes_only_where_gofmt_keeps_the_group() {
        let group = |specs: &str| SHAPE.replace("\tvar wg sync.WaitGroup\n", &format!("\tvar (\n{specs}\t)\n"));
        let fix = [["errgroup-setlimit"]];
        let none = [Vec::<&str>::new()];
        // `results` is wider than `wg`: the names' column keeps its width.
        assert_eq!(fixes(&group("\t\twg      sync.WaitGroup\n\t\tresults = 1\n"), None), fix);
        assert_eq!(fixes(&group("\t\twg sync.WaitGroup\n\t\tmu sync.Mutex\n"), None), fix);
        assert_eq!(fixes(&group("\t\twg sync.WaitGroup\n"), None), fix);
        // `wg` is the widest name of its run: the others would shift left.
        assert_eq!(fixes(&group("\t\twg sync.WaitGroup\n\t\tn  = 1\n"), None), none);
        // A blank line ends a run: `mu` keeps its run's width, and a wider name beyond the blank
        // line is of no help to a `wg` alone in its run (deleting it would also leave two blank
        // lines, which gofmt joins).
        assert_eq!(fixes(&group("\t\tmu sync.Mutex\n\t\twg sync.WaitGroup\n\n\t\tresults = 1\n"), None), fix);
        assert_eq!(fixes(&group("\t\tmu sync.Mutex\n\n\t\twg sync.WaitGroup\n\n\t\tresults = 1\n"), None), none);
        // Values on both sides: deleting `wg` would join two runs of values.
        assert_eq!(fixes(&group("\t\ta  int = 1\n\t\twg sync.WaitGroup\n\t\tb  = 2\n"), None), none);
        // A comment anywhere in the group, and a WaitGroup given a value.
        assert_eq!(fixes(&group("\t\twg sync.WaitGroup // joins the workers\n\t\tmu sync.Mutex\n"), None), none);
        assert_eq!(fixes(&group("\t\twg = sync.WaitGroup{}\n\t\tmu = sync.Mutex{}\n"), None), none);
    }

    /// `for range n` with a constant `n` is a worker pool only where `n` is in scope: a constant
    /// of the same name declared in another function says nothing about this `n`.
    #[test]
    fn a_constant_counts_only_in_its_own_function() {
        let handler = |decl_in_handler: &str, elsewhere: &str| {
            format!(
                "package a\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc other() {{\n{elsewhere}\n}}\n\nfunc h(c *gin.Context) {{\n{decl_in_handler}\n\tfor range n {{\n\t\tgo work()\n\t}}\n}}\n"
            )
        };
        let file = || FileInfo { is_test: false, go_version: None };
        // Declared in the handler, or at file level: a pool of `n` goroutines.
        assert!(run(&handler("\tconst n = 4", ""), file()).is_empty());
        let top = handler("", "").replace("func other()", "const n = 4\n\nfunc other()");
        assert!(run(&top, file()).is_empty());
        // Declared in a closure inside the handler that does not hold the loop: not in scope.
        let closure = handler("\t_ = func() {\n\t\tconst n = 4\n\t}", "");
        assert_eq!(run(&closure, file()).len(), 1);
        // Declared only in another function: `n` here is something else (in another file).
        assert_eq!(run(&handler("", "\tconst n = 4"), file()).len(), 1);
    }

    #[test]
    fn test_files_and_half_typed_code_are_safe() {
        assert!(run(SHAPE, FileInfo { is_test: true, go_version: None }).is_empty());
        for cut in (0..SHAPE.len()).filter(|c| SHAPE.is_char_boundary(*c)) {
            let _ = fixes(&SHAPE[..cut], None);
        }
        let deep = format!(
            "package a\nfunc f(xs []int) {{\n{}go g()\n{}}}\n",
            "for _, x := range xs {\n".repeat(200),
            "}\n".repeat(200)
        );
        assert_eq!(fixes(&deep, None).len(), 1);
    }
}

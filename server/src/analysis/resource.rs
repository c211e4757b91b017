//! The shape shared by rules of the form "a resource acquired here must be released on every path
//! out of the function, unless it is handed over": a response body, database rows, a context's
//! cancel function, a held lock.
//!
//! A rule describes its resource with the [`Resource`] trait (what releases it, what a nil test
//! on it looks like, which uses hand it over) and names one acquisition with [`Acquired`]. This
//! module then answers the questions every such rule asks, in the same way for all of them:
//!
//! - [`owned_here`] and [`escapes`]: does this function own the resource, or does it change hands
//!   (returned, passed, stored, captured by a goroutine or a closure other than a deferred release)?
//! - [`walk`]: on which paths does it stay unreleased? The walk follows the error check after the
//!   call (`if err != nil`, `x == nil`), where there is nothing to release, and stops following a
//!   path where it cannot understand a test of the error.
//! - [`direct_err_check`] and [`defer_after_check`]: where a `defer x.Release()` can go (after the
//!   error check, never in a loop), moving a later identical `defer` up instead of adding another.
//! - [`related`]: the leaking exits as related information for the finding.
//!
//! Every approximation errs towards silence, like the path walker it builds on.

use tree_sitter::Node;

use super::flow::{self, Flow};
use super::go::{
    self, assigned_names, assignment_of, is_noreturn_call, next_statement, unparen, visit_all, visit_in_function, Step,
};
use super::{Edit, Related, Source};

/// One acquisition: `var, err := call` (or `var := call`) in function `func`.
#[derive(Clone, Copy, Debug)]
pub struct Acquired<'t> {
    pub call: Node<'t>,
    /// The statement that acquires: an assignment, declaration, `var_spec`, or (for calls whose
    /// result is not kept, like `mu.Lock()`) the expression statement.
    pub stmt: Node<'t>,
    pub func: Node<'t>,
    /// The expression that names the resource: a variable (`resp`, `rows`, `cancel`) or, for
    /// locks, the receiver text (`s.mu`).
    pub var: &'t str,
    /// The error variable, `None` when there is none or it is discarded with `_`.
    pub err: Option<&'t str>,
}

/// What one kind of resource looks like in code.
pub trait Resource {
    /// Whether `call` releases the resource named `var` (`resp.Body.Close()`, `rows.Close()`,
    /// `cancel()`, `mu.Unlock()`).
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool;

    /// Whether `expr`, compared with nil, stands for the resource, so that `expr == nil` means there
    /// is nothing to release. By default the variable itself.
    fn is_nil_subject(&self, src: &Source<'_>, expr: Node<'_>, var: &str) -> bool {
        expr.kind() == "identifier" && src.text_of(expr) == var
    }

    /// Whether one occurrence `ident` of the variable, outside any function literal, hands the
    /// resource to someone else. By default [`plain_use_escapes`].
    fn occurrence_escapes(&self, src: &Source<'_>, ident: Node<'_>, acq: &Acquired<'_>) -> bool {
        plain_use_escapes(src, ident, acq)
    }

    /// Whether a resource still held when `loop_stmt` starts its next iteration is lost: the next
    /// iteration acquires a new one. By default, when the acquiring `:=` is inside the loop body
    /// (the next iteration's variable replaces it); a variable from outside the loop may still be
    /// released after the loop, which the exits show.
    fn lost_at_next_iteration(&self, acq: &Acquired<'_>, loop_stmt: Node<'_>) -> bool {
        acq.stmt.kind() == "short_var_declaration"
            && loop_stmt.child_by_field_name("body").is_some_and(|b| contains(b, acq.stmt))
    }
}

/// Whether `inner` lies within `outer`.
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

// ---- Ownership and hand-over ----

/// For `x, err = ...`, the variable must be declared in this function; one declared outside (a
/// named result, an outer closure's variable, a package variable) is owned elsewhere.
pub fn owned_here(src: &Source<'_>, acq: &Acquired<'_>) -> bool {
    let named_result = acq.func.child_by_field_name("result").is_some_and(|res| {
        let mut found = false;
        visit_all(res, |n| found |= n.kind() == "identifier" && src.text_of(n) == acq.var);
        found
    });
    if named_result {
        return false;
    }
    if acq.stmt.kind() != "assignment_statement" {
        return true;
    }
    declared_in(src, acq.func, acq.var)
}

/// Whether `name` is declared (`var` or `:=`) directly in `func`.
pub fn declared_in(src: &Source<'_>, func: Node<'_>, name: &str) -> bool {
    let mut found = false;
    visit_in_function(func, |n| {
        if matches!(n.kind(), "short_var_declaration" | "var_spec") {
            found |= assigned_names(n).iter().any(|x| src.text_of(*x) == name);
        }
    });
    found
}

/// Whether the resource escapes the function anywhere, except inside `err_block` (the error check
/// right after the call, where there is nothing to release). A deferred closure that releases it
/// counts as a release (the walk sees it); any other closure or goroutine that mentions the
/// variable takes it over.
pub fn escapes<R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    acq: &Acquired<'_>,
    err_block: Option<Node<'_>>,
) -> bool {
    let identifier = go::identifier_kind();
    let occurrence_escapes = |n: Node<'_>| {
        if err_block.is_some_and(|b| contains(b, n)) {
            return false;
        }
        let (closure, in_go) = closure_around(n, acq.func);
        match closure {
            Some(lit) => in_go || !is_deferred_closure_releasing(src, res, lit, acq.var),
            None => in_go || res.occurrence_escapes(src, n, acq),
        }
    };
    if acq.var.is_empty() {
        // A missing name in half-typed code: only a walk finds the other empty identifiers.
        let mut esc = false;
        go::walk(acq.func, |n| {
            esc = n.kind_id() == identifier && src.text_of(n).is_empty() && occurrence_escapes(n);
            if esc {
                Step::Stop
            } else {
                Step::Enter
            }
        });
        return esc;
    }
    // The occurrences are found from the name in the function's text rather than by a walk of
    // every node of the function: most of a function is not the variable, and this runs for every
    // acquisition. Every identifier spelled `var` starts at an occurrence of it.
    let start = acq.func.start_byte();
    go::occurrences(src.text_of(acq.func), acq.var).any(|at| {
        let (from, to) = (start + at, start + at + acq.var.len());
        acq.func.descendant_for_byte_range(from, to).is_some_and(|n| {
            n.kind_id() == identifier && n.start_byte() == from && n.end_byte() == to && occurrence_escapes(n)
        })
    })
}

/// The outermost function literal between `n` and `func`, and whether a `go` statement is on the way.
///
/// The nodes between are found in one descent from `func` ([`go::ancestors`]): `Node::parent`
/// searches down from the root on every call, so walking up parent by parent cost a search per
/// level for every occurrence of every acquired variable.
pub fn closure_around<'t>(n: Node<'t>, func: Node<'t>) -> (Option<Node<'t>>, bool) {
    let mut closure = None;
    let mut in_go = false;
    if n.id() == func.id() {
        // Nothing lies between; the walk up from `func` itself never meets it and passes every
        // ancestor, which this keeps for that (unused) case.
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind() == "func_literal" {
                closure = Some(p);
            }
            in_go |= p.kind() == "go_statement";
            cur = p.parent();
        }
        return (closure, in_go);
    }
    let (func_literal, go_statement) = *CLOSURE_KINDS;
    // Outermost first, `func` itself excluded: the first function literal is the outermost one.
    for p in go::ancestors(func, n).into_iter().filter(|p| p.id() != func.id()) {
        let kind = p.kind_id();
        if kind == func_literal && closure.is_none() {
            closure = Some(p);
        }
        in_go |= kind == go_statement;
    }
    (closure, in_go)
}

/// The kind ids of `func_literal` and `go_statement`, which [`closure_around`] tests.
static CLOSURE_KINDS: std::sync::LazyLock<(u16, u16)> =
    std::sync::LazyLock::new(|| (go::kind_id("func_literal"), go::kind_id("go_statement")));

/// Whether `lit` is `defer func() { ... release ... }()`.
pub fn is_deferred_closure_releasing<R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    lit: Node<'_>,
    var: &str,
) -> bool {
    let Some(call) = lit.parent().filter(|c| c.kind() == "call_expression") else { return false };
    if call.parent().is_none_or(|d| d.kind() != "defer_statement") {
        return false;
    }
    let mut releases = false;
    visit_all(lit, |n| releases |= res.is_release(src, n, var));
    releases
}

/// The default hand-over test for one occurrence of a variable: reading a field or calling a method
/// on it (`rows.Next()`), calling it (`cancel()`), comparing it, and being assigned from a single
/// call keep it here; anything else (an argument, a return value, a composite literal element, a
/// send, the right side of an assignment) hands it over.
pub fn plain_use_escapes(src: &Source<'_>, n: Node<'_>, acq: &Acquired<'_>) -> bool {
    let Some(parent) = n.parent() else { return true };
    match parent.kind() {
        "selector_expression" => parent.child_by_field_name("operand") != Some(n),
        "call_expression" => parent.child_by_field_name("function") != Some(n),
        "binary_expression" => !is_comparison(src, parent),
        "var_spec" => parent.child_by_field_name("value").is_some_and(|v| v.id() == n.id()),
        "expression_list" => assigned_here(parent, acq),
        _ => true,
    }
}

/// For an occurrence inside `list` (an expression list): false when it is on the left of our own
/// statement or of a later single-call assignment into the same variable, after which the walk
/// stops following the resource; true (a hand-over) otherwise.
pub fn assigned_here(list: Node<'_>, acq: &Acquired<'_>) -> bool {
    let Some(stmt) = list.parent() else { return true };
    let on_left = matches!(stmt.kind(), "short_var_declaration" | "assignment_statement")
        && stmt.child_by_field_name("left") == Some(list);
    !(on_left && (stmt.id() == acq.stmt.id() || single_call_rhs(stmt)))
}

fn single_call_rhs(stmt: Node<'_>) -> bool {
    stmt.child_by_field_name("right").is_some_and(|rhs| {
        rhs.named_child_count() == 1 && rhs.named_child(0).is_some_and(|c| c.kind() == "call_expression")
    })
}

pub fn is_comparison(src: &Source<'_>, bin: Node<'_>) -> bool {
    bin.child_by_field_name("operator").is_some_and(|o| matches!(src.text_of(o), "==" | "!="))
}

// ---- Conditions ----

/// What entering one branch means for the resource.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Effect {
    /// Nothing is known: the resource is still held.
    Keep,
    /// The call failed or the resource is nil: nothing to release.
    Err,
    /// The condition tests the error in a way the walk does not understand; stop following.
    Lost,
}

/// The effect when both parts hold (`a && b` true, `a || b` false).
fn both(a: Effect, b: Effect) -> Effect {
    match (a, b) {
        (Effect::Err, _) | (_, Effect::Err) => Effect::Err,
        (Effect::Lost, _) | (_, Effect::Lost) => Effect::Lost,
        _ => Effect::Keep,
    }
}

/// The effect when either part holds (`a || b` true, `a && b` false).
fn either(a: Effect, b: Effect) -> Effect {
    match (a, b) {
        (Effect::Err, Effect::Err) => Effect::Err,
        (Effect::Lost, _) | (_, Effect::Lost) => Effect::Lost,
        _ => Effect::Keep,
    }
}

/// The effects of a condition on its true and false branches. `err` is the call's error variable
/// while it still holds the call's error.
pub fn classify<R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    cond: Node<'_>,
    var: &str,
    err: Option<&str>,
    depth: usize,
) -> (Effect, Effect) {
    let cond = unparen(cond);
    let fallback = || {
        let mut mentions = false;
        if let Some(e) = err {
            visit_in_function(cond, |n| mentions |= n.kind() == "identifier" && src.text_of(n) == e);
        }
        if mentions {
            (Effect::Lost, Effect::Lost)
        } else {
            (Effect::Keep, Effect::Keep)
        }
    };
    if depth > 32 {
        return (Effect::Lost, Effect::Lost);
    }
    let op = cond.child_by_field_name("operator").map(|o| src.text_of(o)).unwrap_or("");
    match (cond.kind(), op) {
        ("unary_expression", "!") => match cond.child_by_field_name("operand") {
            Some(x) => {
                let (t, f) = classify(src, res, x, var, err, depth + 1);
                (f, t)
            }
            None => fallback(),
        },
        ("binary_expression", "&&" | "||") => {
            let (Some(l), Some(r)) = (cond.child_by_field_name("left"), cond.child_by_field_name("right")) else {
                return fallback();
            };
            let (a, b) = (classify(src, res, l, var, err, depth + 1), classify(src, res, r, var, err, depth + 1));
            if op == "&&" {
                (both(a.0, b.0), either(a.1, b.1))
            } else {
                (either(a.0, b.0), both(a.1, b.1))
            }
        }
        ("binary_expression", "==" | "!=") => {
            let (Some(l), Some(r)) = (cond.child_by_field_name("left"), cond.child_by_field_name("right")) else {
                return fallback();
            };
            let (l, r) = (unparen(l), unparen(r));
            let x = if r.kind() == "nil" {
                l
            } else if l.kind() == "nil" {
                r
            } else {
                return fallback();
            };
            let is_nil_test = op == "==";
            if x.kind() == "identifier" && Some(src.text_of(x)) == err {
                // `err != nil` is true on the error path.
                return if is_nil_test { (Effect::Keep, Effect::Err) } else { (Effect::Err, Effect::Keep) };
            }
            if res.is_nil_subject(src, x, var) {
                // `x == nil` is true when there is nothing to release.
                return if is_nil_test { (Effect::Err, Effect::Keep) } else { (Effect::Keep, Effect::Err) };
            }
            fallback()
        }
        _ => fallback(),
    }
}

// ---- The path walk ----

/// A place where a path leaves the resource held.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leak<'t> {
    Return(Node<'t>),
    /// The end of the function body.
    End,
    /// The next iteration of the loop around the call, from the end of its body or a `continue`.
    NextIteration(Node<'t>),
}

/// What the walk saw.
#[derive(Debug, Default)]
pub struct Outcome<'t> {
    /// Where paths leave the resource held, in the order found.
    pub leaks: Vec<Leak<'t>>,
    /// Some path released it (the finding then says "not on every path").
    pub released_somewhere: bool,
}

impl Outcome<'_> {
    pub fn in_loop(&self) -> bool {
        self.leaks.iter().any(|l| matches!(l, Leak::NextIteration(_)))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// The call has not run on this path.
    NotYet,
    /// The resource is held; `err_fresh` while the error variable still holds the call's error.
    Open {
        err_fresh: bool,
    },
    Released,
    /// The call failed or the resource is nil.
    ErrPath,
    /// The walk cannot follow the resource any further on this path.
    Lost,
}

struct Walk<'r, 's, 't, R: Resource + ?Sized> {
    src: &'r Source<'s>,
    res: &'r R,
    acq: &'r Acquired<'t>,
    out: Outcome<'t>,
}

/// Follows every path of the function from the acquisition. `None` when the body is too deeply
/// nested to follow (callers stay quiet then).
pub fn walk<'t, R: Resource + ?Sized>(src: &Source<'_>, res: &R, acq: &Acquired<'t>) -> Option<Outcome<'t>> {
    let body = acq.func.child_by_field_name("body")?;
    let mut w = Walk { src, res, acq, out: Outcome::default() };
    flow::run(src, body, &mut w, State::NotYet).then_some(w.out)
}

impl<'t, R: Resource + ?Sized> Walk<'_, '_, 't, R> {
    /// The error variable, if it still holds the call's error in `state` and is not shadowed by
    /// the initializer of `stmt` (`if err := f(); err != nil`).
    fn fresh_err(&self, stmt: Node<'t>, state: State) -> Option<&'t str> {
        let State::Open { err_fresh: true } = state else { return None };
        let err = self.acq.err?;
        let shadowed = stmt.child_by_field_name("initializer").is_some_and(|init| {
            init.id() != self.acq.stmt.id()
                && init.kind() == "short_var_declaration"
                && assigned_names(init).iter().any(|n| self.src.text_of(*n) == err)
        });
        (!shadowed).then_some(err)
    }

    fn apply(state: &mut State, effect: Effect) {
        match effect {
            Effect::Keep => {}
            Effect::Err => *state = State::ErrPath,
            Effect::Lost => *state = State::Lost,
        }
    }

    fn leak(&mut self, leak: Leak<'t>) {
        if !self.out.leaks.contains(&leak) {
            self.out.leaks.push(leak);
        }
    }

    fn release(&mut self, state: &mut State) {
        *state = State::Released;
        self.out.released_somewhere = true;
    }
}

impl<'t, R: Resource + ?Sized> Flow<'t> for Walk<'_, '_, 't, R> {
    type State = State;

    fn call(&mut self, call: Node<'t>, state: &mut State) {
        if call.id() == self.acq.call.id() {
            *state = State::Open { err_fresh: self.acq.err.is_some() };
            return;
        }
        let State::Open { err_fresh } = *state else { return };
        if self.res.is_release(self.src, call, self.acq.var) {
            self.release(state);
            return;
        }
        let Some(stmt) = assignment_of(call) else { return };
        let names = assigned_names(stmt);
        if names.iter().any(|n| self.src.text_of(*n) == self.acq.var) {
            // Another resource lands in the same variable; which one a later release releases is
            // beyond a syntactic rule.
            *state = State::Lost;
        } else if err_fresh && names.iter().any(|n| Some(self.src.text_of(*n)) == self.acq.err) && !is_initializer(stmt)
        {
            *state = State::Open { err_fresh: false };
        }
    }

    fn defer(&mut self, stmt: Node<'t>, state: &mut State) {
        if !matches!(state, State::Open { .. }) {
            return;
        }
        let Some(call) = stmt.named_child(0) else { return };
        let releases = self.res.is_release(self.src, call, self.acq.var)
            || call.child_by_field_name("function").is_some_and(|f| {
                f.kind() == "func_literal" && is_deferred_closure_releasing(self.src, self.res, f, self.acq.var)
            });
        if releases {
            self.release(state);
        }
    }

    fn exit(&mut self, at: Option<Node<'t>>, state: &State) {
        if matches!(state, State::Open { .. }) {
            self.leak(at.map_or(Leak::End, Leak::Return));
        }
    }

    fn loop_back(&mut self, loop_stmt: Node<'t>, at: Node<'t>, state: &State) {
        if matches!(state, State::Open { .. }) && self.res.lost_at_next_iteration(self.acq, loop_stmt) {
            self.leak(Leak::NextIteration(at));
        }
    }

    fn branch(&mut self, if_stmt: Node<'t>, then: bool, state: &mut State) -> bool {
        if !matches!(state, State::Open { .. }) {
            return true;
        }
        let Some(cond) = if_stmt.child_by_field_name("condition") else { return true };
        let err = self.fresh_err(if_stmt, *state);
        let (t, f) = classify(self.src, self.res, cond, self.acq.var, err, 0);
        Self::apply(state, if then { t } else { f });
        true
    }

    fn case(&mut self, switch_stmt: Node<'t>, case: Node<'t>, state: &mut State) -> bool {
        if !matches!(state, State::Open { .. }) {
            return true;
        }
        let err = self.fresh_err(switch_stmt, *state);
        if let Some(value) = switch_stmt.child_by_field_name("value") {
            // `switch err { ... }`, `switch err.(type)`: not followed.
            let mut mentions = false;
            if let Some(e) = err {
                visit_in_function(value, |n| mentions |= n.kind() == "identifier" && self.src.text_of(n) == e);
            }
            if mentions {
                *state = State::Lost;
            }
            return true;
        }
        if switch_stmt.kind() != "expression_switch_statement" || case.kind() != "expression_case" {
            return true;
        }
        // `case a, b:` runs when any of its expressions is true.
        let Some(values) = case.child_by_field_name("value") else { return true };
        let mut cursor = values.walk();
        let effects: Vec<_> = values
            .named_children(&mut cursor)
            .filter(|v| v.kind() != "comment")
            .map(|v| classify(self.src, self.res, v, self.acq.var, err, 0).0)
            .collect();
        if let Some(first) = effects.first() {
            Self::apply(state, effects[1..].iter().fold(*first, |acc, e| either(acc, *e)));
        }
        true
    }
}

/// Whether `stmt` is the initializer of an `if`, `switch` or `for`, whose variables live only there.
fn is_initializer(stmt: Node<'_>) -> bool {
    let Some(parent) = stmt.parent() else { return false };
    if parent.kind() == "for_clause" {
        return true;
    }
    parent.child_by_field_name("initializer") == Some(stmt)
}

// ---- Reporting ----

/// The leaks as related information. `what` names the resource in Markdown (`` `resp.Body` ``) and
/// `held` says what state it is left in ("open", "held", "uncancelled"). When the loop is the
/// problem, exits after it only repeat the same leak and are left out.
pub fn related(acq: &Acquired<'_>, out: &Outcome<'_>, what: &str, held: &str) -> Vec<Related> {
    let in_loop = out.in_loop();
    let body = acq.func.child_by_field_name("body");
    let closing_brace = |block: Node<'_>| block.end_byte().saturating_sub(1)..block.end_byte();
    out.leaks
        .iter()
        .filter(|leak| !in_loop || matches!(leak, Leak::NextIteration(_)))
        .filter_map(|leak| {
            Some(match *leak {
                Leak::Return(ret) => {
                    Related { range: ret.byte_range(), message: format!("this return leaves {what} {held}") }
                }
                Leak::End => Related {
                    range: closing_brace(body?),
                    message: format!("the function can end here with {what} still {held}"),
                },
                Leak::NextIteration(at) if at.kind() == "continue_statement" => Related {
                    range: at.byte_range(),
                    message: format!("this `continue` starts the next iteration with {what} still {held}"),
                },
                Leak::NextIteration(at) => Related {
                    range: closing_brace(at),
                    message: format!("the next iteration starts here with {what} still {held}"),
                },
            })
        })
        .collect()
}

/// How a finding about an acquisition that stays unreleased is worded, for [`unreleased`].
pub struct Wording<'a> {
    /// The rule's id and severity.
    pub rule: &'static str,
    pub severity: super::Severity,
    /// The release in the past participle: "called", "closed".
    pub released: &'a str,
    /// What holding the resource costs, under load.
    pub cost: &'a str,
    /// What to do in a loop, before "at the end of every iteration": "call `cancel()`", "close it".
    pub in_loop: String,
    /// The statement the fix defers (`defer cancel()`), and where the message says it goes.
    pub defer: String,
    pub defer_where: &'a str,
    /// The fix's id and title.
    pub fix_id: &'static str,
    pub fix_title: String,
    /// The state the related information gives the resource at a leaking exit: "uncalled", "open".
    pub held: &'a str,
}

/// The finding for an acquisition that `walk` found unreleased on some path: the message (in a
/// loop, or on some or all paths), the leaking exits as related information, and the fix that
/// defers the release after the call's error check where [`defer_after_check`] finds a place.
pub fn unreleased<R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    acq: &Acquired<'_>,
    walk: &Outcome<'_>,
    w: Wording<'_>,
) -> super::Finding {
    let call_text = short_call(src, acq.call);
    let (var, released, cost) = (acq.var, w.released, w.cost);
    let message = if walk.in_loop() {
        format!(
            "`{var}` from `{call_text}` is not {released} before the next iteration: {cost}; {} at the end of every \
             iteration, before each `continue` too",
            w.in_loop
        )
    } else {
        let how =
            if walk.released_somewhere { format!("not {released} on every path") } else { format!("never {released}") };
        format!("`{var}` from `{call_text}` is {how}: {cost}; add `{}` {}", w.defer, w.defer_where)
    };
    let fixes = defer_after_check(src, res, acq, &w.defer)
        .map(|edits| super::Fix { id: w.fix_id, title: w.fix_title, edits, preferred: true })
        .into_iter()
        .collect();
    super::Finding {
        rule: w.rule,
        severity: w.severity,
        message,
        range: acq.call.byte_range(),
        related: related(acq, walk, &format!("`{var}`"), w.held),
        fixes,
    }
}

/// The call as shown in messages: its text, or its callee with `(…)` when the text is long.
pub fn short_call(src: &Source<'_>, call: Node<'_>) -> String {
    let text = src.text_of(call);
    if text.len() <= 60 && !text.contains('\n') {
        return text.to_string();
    }
    let callee = call.child_by_field_name("function").map(|f| src.text_of(f)).unwrap_or("");
    format!("{}(…)", super::go::snippet(callee))
}

// ---- Fixing ----

/// The `if` that checks the call's error right after it: the statement that follows the call's
/// statement, or the `if` whose initializer the call is. Only a test that is true exactly on the
/// error path qualifies (`err != nil`, `err != nil || x == nil`).
pub fn direct_err_check<'t, R: Resource + ?Sized>(src: &Source<'_>, res: &R, acq: &Acquired<'t>) -> Option<Node<'t>> {
    let parent = acq.stmt.parent()?;
    let candidate = if parent.kind() == "if_statement" && parent.child_by_field_name("initializer") == Some(acq.stmt) {
        parent
    } else if parent.kind() == "statement_list" {
        let next = next_statement(acq.stmt)?;
        if next.kind() != "if_statement" || next.child_by_field_name("initializer").is_some() {
            return None;
        }
        next
    } else {
        return None;
    };
    let cond = candidate.child_by_field_name("condition")?;
    (classify(src, res, cond, acq.var, acq.err, 0).0 == Effect::Err).then_some(candidate)
}

/// Whether the call sits in a loop of its function (a `defer` there would hold every iteration's
/// resource until the function returns).
pub fn in_loop(acq: &Acquired<'_>) -> bool {
    let mut cur = acq.call.parent();
    while let Some(n) = cur {
        if n.id() == acq.func.id() {
            return false;
        }
        if n.kind() == "for_statement" {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// The edits that put `defer <release>` (the text `line`, without indentation) after the error
/// check that follows the call, or right after the acquiring statement when there is no error to
/// check, and remove a later identical `defer` of the same statement list. `None` where a defer
/// would be wrong: the statement is not a plain statement of a block, the call is in a loop, or the
/// error is checked elsewhere than directly after the call (a `defer` before the check would run
/// on a nil resource).
pub fn defer_after_check<R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    acq: &Acquired<'_>,
    line: &str,
) -> Option<Vec<Edit>> {
    if !matches!(acq.stmt.kind(), "short_var_declaration" | "assignment_statement" | "expression_statement")
        || acq.stmt.parent()?.kind() != "statement_list"
        || in_loop(acq)
    {
        return None;
    }
    let anchor = match direct_err_check(src, res, acq) {
        Some(check) if check.child_by_field_name("alternative").is_none() && terminates(src, check) => check,
        _ if acq.err.is_some() => return None,
        _ => acq.stmt,
    };
    let mut edits = vec![insert_line_after(src, anchor, acq.stmt, line)];
    if let Some(later) = later_defer(src, res, acq, anchor) {
        edits.push(Edit::delete(src.line_start(later.start_byte())..src.line_end_inclusive(later.end_byte())));
    }
    Some(edits)
}

/// Inserts `line` on a new line after `anchor`, indented like `indent_of`.
pub fn insert_line_after(src: &Source<'_>, anchor: Node<'_>, indent_of: Node<'_>, line: &str) -> Edit {
    let indent = src.indent_at(indent_of.start_byte());
    let nl = src.newline();
    let end = anchor.end_byte();
    let line_end = src.line_end_inclusive(end);
    let rest = src.text[end..line_end].trim();
    if rest.is_empty() || rest.starts_with("//") {
        if src.text[..line_end].ends_with('\n') {
            Edit::insert(line_end, format!("{indent}{line}{nl}"))
        } else {
            Edit::insert(line_end, format!("{nl}{indent}{line}"))
        }
    } else {
        Edit::insert(end, format!("{nl}{indent}{line}"))
    }
}

/// Whether the `then` block of an `if` always leaves the surrounding code.
pub fn terminates(src: &Source<'_>, if_stmt: Node<'_>) -> bool {
    let Some(block) = if_stmt.child_by_field_name("consequence") else { return false };
    let mut cursor = block.walk();
    let list = block.named_children(&mut cursor).find(|n| n.kind() == "statement_list");
    let last = list.and_then(|l| {
        let mut c = l.walk();
        l.named_children(&mut c).filter(|n| n.kind() != "comment").last()
    });
    match last {
        Some(s) => match s.kind() {
            "return_statement" | "continue_statement" | "break_statement" | "goto_statement" => true,
            "expression_statement" => {
                s.named_child(0).is_some_and(|c| c.kind() == "call_expression" && is_noreturn_call(src, c))
            }
            _ => false,
        },
        None => false,
    }
}

/// A `defer <release>` standing alone on its line later in the same statement list as `after`.
fn later_defer<'t, R: Resource + ?Sized>(
    src: &Source<'_>,
    res: &R,
    acq: &Acquired<'t>,
    after: Node<'t>,
) -> Option<Node<'t>> {
    let mut next = next_statement(after);
    while let Some(s) = next {
        if s.kind() == "defer_statement" && s.named_child(0).is_some_and(|c| res.is_release(src, c, acq.var)) {
            let before = &src.text[src.line_start(s.start_byte())..s.start_byte()];
            let after_text = src.text[s.end_byte()..src.line_end_inclusive(s.end_byte())].trim();
            return (before.trim().is_empty() && after_text.is_empty()).then_some(s);
        }
        next = next_statement(s);
    }
    None
}

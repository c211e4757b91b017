//! A small path walker over one function body, for rules that ask "can A and then B happen on one
//! path?" or "is X done on every path to the end?".
//!
//! It follows Go's structured control flow (if/else, switch, select, loops, break, continue,
//! return) and carries a set of abstract states, one per distinct path summary. Loops are entered
//! zero or one time, `goto` ends a path silently, and calls that never return (`panic`, `os.Exit`,
//! `log.Fatal`) end a path without reaching the exit. Every approximation errs towards seeing fewer
//! paths, which makes rules miss cases rather than raise false alarms.

use tree_sitter::Node;

// The walker tells statements apart by kind id (`go::KIND_IDS`): it asks at every statement on
// every path, and a node's kind name costs a look-up of the name and a comparison per arm.
use super::go::{is_noreturn_call, visit_in_function, KIND_IDS as KINDS};
use super::Source;

/// What a rule observes along the paths of a function.
pub trait Flow<'t> {
    type State: Clone + PartialEq;

    /// A call expression is evaluated on a path (calls in nested function literals and `go`
    /// statements are not: they run at another time).
    fn call(&mut self, call: Node<'t>, state: &mut Self::State);

    /// A `defer` statement is passed on a path.
    fn defer(&mut self, _stmt: Node<'t>, _state: &mut Self::State) {}

    /// A path leaves the function at a `return` statement, or by reaching the end of the body (`None`).
    fn exit(&mut self, _at: Option<Node<'t>>, _state: &Self::State) {}

    /// A path enters the `then` (true) or `else` (false) branch of an `if`; returning false drops it.
    fn branch(&mut self, _if_stmt: Node<'t>, _then: bool, _state: &mut Self::State) -> bool {
        true
    }

    /// A path enters one case (or the default) of `switch_stmt`, after its case expressions were
    /// evaluated; returning false drops it. Like `branch`, for switches that test conditions.
    fn case(&mut self, _switch_stmt: Node<'t>, _case: Node<'t>, _state: &mut Self::State) -> bool {
        true
    }

    /// A path goes back to the head of `loop_stmt` for another iteration, from the end of its body
    /// (`at` is the body) or from a `continue` (`at` is the statement). The walk itself does not
    /// follow it (loops run at most once), but a rule may care what is still pending there.
    fn loop_back(&mut self, _loop_stmt: Node<'t>, _at: Node<'t>, _state: &Self::State) {}
}

/// Nesting deeper than this is not followed; the walk reports that it gave up instead.
const MAX_DEPTH: usize = 256;

/// Walks `body` (a function's block) from its start in state `init`. Returns false when the body
/// was too deeply nested to follow; callers then drop what they observed for that function.
pub fn run<'t, F: Flow<'t>>(src: &Source<'_>, body: Node<'t>, flow: &mut F, init: F::State) -> bool {
    let mut w = Walker { src, flow, targets: Vec::new(), depth: 0, gave_up: false };
    let out = w.stmt(body, vec![init]);
    for s in &out {
        w.flow.exit(None, s);
    }
    !w.gave_up
}

enum Target<S> {
    Loop(Vec<S>),
    Switch(Vec<S>),
}

struct Walker<'w, 's, 't, F: Flow<'t>> {
    src: &'w Source<'s>,
    flow: &'w mut F,
    targets: Vec<Target<F::State>>,
    depth: usize,
    gave_up: bool,
}

fn union<S: PartialEq>(into: &mut Vec<S>, more: Vec<S>) {
    for s in more {
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

impl<'t, F: Flow<'t>> Walker<'_, '_, 't, F> {
    fn stmt(&mut self, node: Node<'t>, states: Vec<F::State>) -> Vec<F::State> {
        if states.is_empty() {
            return states;
        }
        if self.depth >= MAX_DEPTH {
            self.gave_up = true;
            return Vec::new();
        }
        self.depth += 1;
        let out = self.stmt_inner(node, states);
        self.depth -= 1;
        out
    }

    fn stmt_inner(&mut self, node: Node<'t>, mut states: Vec<F::State>) -> Vec<F::State> {
        let k = &*KINDS;
        let kind = node.kind_id();
        if kind == k.block || kind == k.statement_list {
            let mut cursor = node.walk();
            let children: Vec<_> = node.named_children(&mut cursor).collect();
            for child in children {
                if child.kind_id() == k.comment {
                    continue;
                }
                states = self.stmt(child, states);
                if states.is_empty() {
                    break;
                }
            }
            states
        } else if kind == k.labeled_statement {
            match node.named_child(1) {
                Some(inner) => self.stmt(inner, states),
                None => states,
            }
        } else if kind == k.return_statement {
            states = self.expr(node, states);
            for s in &states {
                self.flow.exit(Some(node), s);
            }
            Vec::new()
        } else if kind == k.go_statement {
            states
        } else if kind == k.defer_statement {
            for s in &mut states {
                self.flow.defer(node, s);
            }
            states
        } else if kind == k.if_statement {
            self.if_stmt(node, states)
        } else if kind == k.expression_switch_statement || kind == k.type_switch_statement || kind == k.select_statement
        {
            self.switch_stmt(node, states)
        } else if kind == k.for_statement {
            self.for_stmt(node, states)
        } else if kind == k.break_statement {
            if let Some(t) = self.targets.last_mut() {
                match t {
                    Target::Loop(v) | Target::Switch(v) => union(v, states),
                }
            }
            Vec::new()
        } else if kind == k.continue_statement {
            // A continue goes back to the loop head; from there the loop may exit, which is
            // where these paths continue.
            let mut lp = node.parent();
            while let Some(n) = lp.filter(|n| n.kind_id() != k.for_statement && !super::go::is_function(*n)) {
                lp = n.parent();
            }
            if let Some(lp) = lp.filter(|n| n.kind_id() == k.for_statement) {
                for s in &states {
                    self.flow.loop_back(lp, node, s);
                }
            }
            if let Some(Target::Loop(v)) = self.targets.iter_mut().rev().find(|t| matches!(t, Target::Loop(_))) {
                union(v, states);
            }
            Vec::new()
        } else if kind == k.goto_statement {
            Vec::new()
        } else {
            self.expr(node, states)
        }
    }

    /// Evaluates the calls inside a simple statement or expression, innermost first.
    fn expr(&mut self, node: Node<'t>, mut states: Vec<F::State>) -> Vec<F::State> {
        let mut calls = Vec::new();
        // A kind id, not a name: this tests every node of every statement on the paths.
        let call_expression = KINDS.call_expression;
        visit_in_function(node, |n| {
            if n.kind_id() == call_expression {
                calls.push(n);
            }
        });
        // Arguments are evaluated before the call that takes them: order by where each call ends.
        calls.sort_by_key(|c| (c.end_byte(), std::cmp::Reverse(c.start_byte())));
        for call in calls {
            for s in &mut states {
                self.flow.call(call, s);
            }
            if is_noreturn_call(self.src, call) {
                return Vec::new();
            }
        }
        states
    }

    fn if_stmt(&mut self, node: Node<'t>, mut states: Vec<F::State>) -> Vec<F::State> {
        if let Some(init) = node.child_by_field_name("initializer") {
            states = self.expr(init, states);
        }
        if let Some(cond) = node.child_by_field_name("condition") {
            states = self.expr(cond, states);
        }
        let mut then_states = Vec::new();
        let mut else_states = Vec::new();
        for s in states {
            let mut t = s.clone();
            if self.flow.branch(node, true, &mut t) {
                union(&mut then_states, vec![t]);
            }
            let mut e = s;
            if self.flow.branch(node, false, &mut e) {
                union(&mut else_states, vec![e]);
            }
        }
        let mut out = match node.child_by_field_name("consequence") {
            Some(block) => self.stmt(block, then_states),
            None => then_states,
        };
        let else_out = match node.child_by_field_name("alternative") {
            Some(alt) => self.stmt(alt, else_states),
            None => else_states,
        };
        union(&mut out, else_out);
        out
    }

    fn switch_stmt(&mut self, node: Node<'t>, mut states: Vec<F::State>) -> Vec<F::State> {
        if let Some(init) = node.child_by_field_name("initializer") {
            states = self.expr(init, states);
        }
        if let Some(value) = node.child_by_field_name("value") {
            states = self.expr(value, states);
        }
        self.targets.push(Target::Switch(Vec::new()));
        let mut out = Vec::new();
        let mut has_default = false;
        let mut cursor = node.walk();
        let cases: Vec<_> = node.named_children(&mut cursor).collect();
        for case in cases {
            let mut case_states = match case.kind() {
                "default_case" => {
                    has_default = true;
                    states.clone()
                }
                "expression_case" => match case.child_by_field_name("value") {
                    Some(v) => self.expr(v, states.clone()),
                    None => states.clone(),
                },
                "communication_case" => match case.child_by_field_name("communication") {
                    Some(c) => self.expr(c, states.clone()),
                    None => states.clone(),
                },
                "type_case" => states.clone(),
                _ => continue,
            };
            case_states.retain_mut(|s| self.flow.case(node, case, s));
            let mut c2 = case.walk();
            let bodies: Vec<_> = case.named_children(&mut c2).filter(|n| n.kind() == "statement_list").collect();
            for body in bodies {
                case_states = self.stmt(body, case_states);
            }
            union(&mut out, case_states);
        }
        if let Some(Target::Switch(breaks)) = self.targets.pop() {
            union(&mut out, breaks);
        }
        // A select without default blocks until a case runs; a switch without default may run none.
        if !has_default && node.kind() != "select_statement" {
            union(&mut out, states);
        }
        out
    }

    fn for_stmt(&mut self, node: Node<'t>, mut states: Vec<F::State>) -> Vec<F::State> {
        let mut infinite = true;
        let mut cursor = node.walk();
        let header: Vec<_> = node.named_children(&mut cursor).filter(|n| n.kind() != "block").collect();
        for h in header {
            if h.kind() == "for_clause" {
                if let Some(init) = h.child_by_field_name("initializer") {
                    states = self.expr(init, states);
                }
                if let Some(cond) = h.child_by_field_name("condition") {
                    infinite = false;
                    states = self.expr(cond, states);
                }
            } else if h.kind() != "comment" {
                infinite = false;
                states = self.expr(h, states);
            }
        }
        self.targets.push(Target::Loop(Vec::new()));
        let body_out = match node.child_by_field_name("body") {
            Some(body) => {
                let out = self.stmt(body, states.clone());
                for s in &out {
                    self.flow.loop_back(node, body, s);
                }
                out
            }
            None => Vec::new(),
        };
        let exits = match self.targets.pop() {
            Some(Target::Loop(v)) => v,
            _ => Vec::new(),
        };
        if infinite {
            // `for { }` leaves only through break (or return, already reported).
            return exits;
        }
        let mut out = states;
        union(&mut out, body_out);
        union(&mut out, exits);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    /// Records, for every exit, the sequence of marker calls seen on that path.
    struct Trace<'a> {
        src: &'a Source<'a>,
        exits: Vec<String>,
    }

    impl<'t> Flow<'t> for Trace<'_> {
        type State = String;
        fn call(&mut self, call: Node<'t>, state: &mut String) {
            let f = call.child_by_field_name("function").unwrap();
            state.push_str(self.src.text_of(f));
        }
        fn exit(&mut self, _at: Option<Node<'t>>, state: &String) {
            self.exits.push(state.clone());
        }
    }

    fn paths(body: &str) -> Vec<String> {
        let text = format!("package p\nfunc f() {{\n{body}\n}}\n");
        let tree = parse(&text, None);
        let src = Source::new(&text, &tree);
        let func = src.root().named_child(1).unwrap();
        let mut t = Trace { src: &src, exits: Vec::new() };
        assert!(run(&src, func.child_by_field_name("body").unwrap(), &mut t, String::new()));
        let mut e = t.exits;
        e.sort();
        e
    }

    #[test]
    fn if_else_and_early_return() {
        assert_eq!(paths("a(); if x { b() } else { c() }; d()"), ["abd", "acd"]);
        assert_eq!(paths("if x { a(); return }; b()"), ["a", "b"]);
        assert_eq!(paths("if x { panic(1) }; b()"), ["b"]);
    }

    #[test]
    fn switch_loops_break_continue() {
        assert_eq!(paths("switch x { case 1: a(); case 2: b() }; c()"), ["ac", "bc", "c"]);
        assert_eq!(paths("switch x { case 1: a(); default: b() }"), ["a", "b"]);
        assert_eq!(paths("for _, v := range xs { a(); if v { break }; b() }; c()"), ["abc", "ac", "c"]);
        assert_eq!(paths("for { a(); if y { break } }; c()"), ["ac"]);
        assert_eq!(paths("for i := 0; i < 3; i++ { if y { continue }; a() }"), ["", "a"]);
    }

    /// Records the state at every way back to a loop's head.
    struct Backs<'a> {
        src: &'a Source<'a>,
        backs: Vec<String>,
    }

    impl<'t> Flow<'t> for Backs<'_> {
        type State = String;
        fn call(&mut self, call: Node<'t>, state: &mut String) {
            state.push_str(self.src.text_of(call.child_by_field_name("function").unwrap()));
        }
        fn loop_back(&mut self, _loop_stmt: Node<'t>, at: Node<'t>, state: &String) {
            self.backs.push(format!("{}:{state}", at.kind()));
        }
    }

    #[test]
    fn loop_back_sees_body_ends_and_continues() {
        let text = "package p\nfunc f() {\nfor {\na()\nif x {\ncontinue\n}\nb()\n}\n}\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let func = src.root().named_child(1).unwrap();
        let mut t = Backs { src: &src, backs: Vec::new() };
        assert!(run(&src, func.child_by_field_name("body").unwrap(), &mut t, String::new()));
        t.backs.sort();
        assert_eq!(t.backs, ["block:ab", "continue_statement:a"]);
    }

    #[test]
    fn nested_calls_run_arguments_first_and_closures_not_at_all() {
        assert_eq!(paths("a(b()); go c(); defer d(); f := func() { e() }; _ = f"), ["ba"]);
    }
}

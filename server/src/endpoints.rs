//! The amplification report: for every route registered on a gin, echo, chi or net/http router,
//! how much work one request turns into.
//!
//! The outage behind gohazard was a product, not a bug: a middleware that ran the chain twice, times
//! four goroutines per request, each living up to 15 s because its context was detached from the
//! request, each loading data through an empty filter. This module puts those factors next to each
//! other per route, with the place each one comes from:
//!
//! 1. `file_facts` extracts, per file, what the report needs from the syntax: route registrations
//!    with their middleware chains, and per top-level function its goroutine starts (with the loop
//!    counts around them), its detached timeouts, the calls it makes, and the findings the rules
//!    reported inside it.
//! 2. `build` resolves handlers, middleware and calls by name across files and packages, follows
//!    calls to a bounded depth, and multiplies the factors.
//!
//! Architecture invariant: like the rest of the analysis this knows no files or protocol; facts are
//! per file so a caller can keep them and replace one file's facts when it changes. Every number
//! says whether it is certain; an unresolved call or a loop over input is shown as such, never
//! guessed into the product.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tree_sitter::{Node, Tree};

use crate::analysis::go::{
    call_args, is_pkg_call, is_standard_library, method_call, unparen, visit_all, walk, Marks, Step,
};
use crate::analysis::{Finding, Source};
use crate::rules::{duration_of, human_duration};
use crate::text::{Encoding, LineStarts};

/// A name or a type as the source writes it, shared by every fact that mentions it. `check` holds
/// the facts of every file of the workspace until the report, and the same names (the file's path,
/// its package, `ctx`, `*gin.Context`, `Close`) recur in thousands of them: one copy of each, behind
/// a pointer, instead of one allocation per mention.
pub type Name = Arc<str>;

/// Hands out one shared copy of each name, and of each call. One `Names` per file shares what
/// recurs within a file; `check` shares one across the whole run ([`file_facts_with`]). It only
/// grows, so a long-lived process (the language server) uses one per file rather than one for its
/// lifetime.
#[derive(Debug, Default)]
pub struct Names {
    names: dashmap::DashSet<Name>,
    /// Calls were most of the facts' memory: a function makes several, and the same calls
    /// (`c.JSON` on a `*gin.Context`, a package's helpers) recur in thousands of functions.
    calls: dashmap::DashSet<Arc<CallRef>>,
    results: dashmap::DashSet<Arc<[Name]>>,
}

impl Names {
    /// The shared copy of `s`.
    pub fn get(&self, s: &str) -> Name {
        if let Some(name) = self.names.get(s) {
            return name.clone();
        }
        let name: Name = Arc::from(s);
        // Two threads may race to add the same name: each then holds its own copy, which is only
        // a missed saving.
        self.names.insert(name.clone());
        name
    }

    /// The shared copy of a list of result types.
    fn results(&self, results: Vec<Name>) -> Arc<[Name]> {
        if let Some(shared) = self.results.get(results.as_slice()) {
            return shared.clone();
        }
        let shared: Arc<[Name]> = results.into();
        self.results.insert(shared.clone());
        shared
    }

    /// The shared copy of a call.
    fn call(&self, call: CallRef) -> Arc<CallRef> {
        if let Some(shared) = self.calls.get(&call) {
            return shared.clone();
        }
        let shared = Arc::new(call);
        self.calls.insert(shared.clone());
        shared
    }
}

/// A place in a file as the facts keep it: the file's shared name and 32-bit positions (tree-sitter
/// counts bytes in 32 bits, so every offset and line of a parsed file fits). [`Place::loc`] gives
/// the [`Loc`] that the report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: Name,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub col: u32,
    pub start: u32,
    pub end: u32,
}

impl Place {
    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file.to_string(),
            line: self.line as usize,
            col: self.col as usize,
            range: self.start as usize..self.end as usize,
        }
    }
}

/// A place in a file, 1-based, columns in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// The byte range in the file, for editors.
    pub range: std::ops::Range<usize>,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A function or method by name, as calls spell it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncKey {
    pub package: Name,
    /// The receiver's type name without `*`, for methods.
    pub receiver: Option<Name>,
    pub name: Name,
}

impl std::fmt::Display for FuncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.receiver {
            Some(r) => write!(f, "(*{}.{r}).{}", self.package, self.name),
            None => write!(f, "{}.{}", self.package, self.name),
        }
    }
}

/// A goroutine started in a function: a `go` statement or an errgroup's `Go`.
#[derive(Clone, Debug)]
pub struct Spawn {
    pub loc: Place,
    /// How many times it runs per call of the function: the product of the counts of the loops
    /// around it, or `None` when a loop runs over input of unknown length.
    pub times: Option<u32>,
    /// The loops around it, as written (`range profileSections (4 items)`).
    pub loops: Vec<String>,
    /// An errgroup with `SetLimit` bounds it.
    pub bounded: bool,
}

/// A timeout whose parent is `context.Background()`/`TODO()`: work that lives that long whatever
/// happens to the request.
#[derive(Clone, Debug)]
pub struct DetachedTimeout {
    pub loc: Place,
    pub duration: Duration,
}

/// The static type of a method call's operand, as far as the syntax tells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A type as written (`*store.Postgres`, `Store`): the declared type of a parameter or receiver.
    Named(Name),
    /// The type of the field `field` of the struct `owner` (`h.store` where `h` is a `*Users`),
    /// looked up across the workspace's struct declarations.
    Field { owner: Name, field: Name },
}

/// A call as written, resolved later against every file's functions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallRef {
    /// `pkg.F(...)` or `F(...)` (then `package` is the caller's own).
    Func { package: Name, name: Name },
    /// `x.M(...)` on a value; `via` names the constructor whose result `x` holds when visible, `on`
    /// the declared type of `x` when it is a parameter, the receiver or one of its fields.
    Method { name: Name, via: Option<Box<CallRef>>, on: Option<TypeRef> },
}

/// What a function contributes to a request. The lists are boxed slices: they are complete once
/// the function's walk ends, and a slice is a word smaller than a `Vec` and holds no spare capacity.
#[derive(Clone, Debug)]
pub struct FuncFacts {
    pub key: FuncKey,
    pub loc: Place,
    /// The first and last line (1-based) of the whole declaration, to place findings in it.
    pub lines: (u32, u32),
    pub calls: Box<[Arc<CallRef>]>,
    /// The result types as written, to resolve methods on constructed values; shared, as the
    /// same lists (`error`, `(*User, error)`) end thousands of signatures.
    pub results: Arc<[Name]>,
    /// What most functions do not have, boxed so that they pay one word for it.
    pub rare: Option<Box<Rare>>,
}

/// The facts that most functions do not have.
#[derive(Clone, Debug, Default)]
pub struct Rare {
    pub spawns: Box<[Spawn]>,
    pub timeouts: Box<[DetachedTimeout]>,
    /// Findings of the rules inside the function: (rule id, place).
    pub findings: Box<[(&'static str, Place)]>,
}

impl FuncFacts {
    pub fn spawns(&self) -> &[Spawn] {
        self.rare.as_ref().map_or(&[], |r| &r.spawns)
    }

    pub fn timeouts(&self) -> &[DetachedTimeout] {
        self.rare.as_ref().map_or(&[], |r| &r.timeouts)
    }

    pub fn findings(&self) -> &[(&'static str, Place)] {
        self.rare.as_ref().map_or(&[], |r| &r.findings)
    }
}

/// A handler or middleware as registered on a route.
#[derive(Clone, Debug)]
pub enum HandlerRef {
    /// A named function or method, or a factory call whose result is the middleware.
    Named(CallRef, String),
    /// A function literal written in place.
    Inline(Box<FuncFacts>),
}

/// A route registration with the middleware in front of its handler.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub loc: Place,
    pub handler: HandlerRef,
    pub middleware: Vec<HandlerRef>,
}

/// Everything the report needs from one file.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    pub package: Name,
    pub funcs: Vec<FuncFacts>,
    pub routes: Vec<Route>,
    /// Interfaces declared in the file: name and the names of the methods written in it.
    pub interfaces: Vec<(Name, Box<[Name]>)>,
    /// Struct types declared in the file: name and its named fields with their types as written.
    pub structs: Vec<(Name, Fields)>,
}

/// A struct's named fields with their types as written.
pub type Fields = Box<[(Name, Name)]>;

const GIN: &str = "github.com/gin-gonic/gin";
const ECHO: &str = "github.com/labstack/echo/v4";
const CHI: &str = "github.com/go-chi/chi/v5";

/// The kinds of the nodes a function's facts come from: calls, `go` statements and `:=`. The walk
/// that finds the rules' matches collects them for the whole file (`rules::FactNodes`).
pub(crate) const FACT_KINDS: &[&str] = &["call_expression", "go_statement", "short_var_declaration"];

/// The node kinds and fields of tree-sitter-go that the facts look at in every function, by id,
/// looked up once. `Node::kind` converts the kind's C string on every call, and
/// `child_by_field_name` searches the grammar's field names by string: compared per node of every
/// function body, the two were a third of the facts' cost.
struct Ids {
    call: u16,
    go_statement: u16,
    short_var_declaration: u16,
    selector: u16,
    identifier: u16,
    parenthesized: u16,
    function: u16,
    operand: u16,
    field: u16,
    left: u16,
    right: u16,
    parameter_declaration: u16,
    receiver: u16,
    name: u16,
    type_: u16,
    for_statement: u16,
}

static IDS: LazyLock<Ids> = LazyLock::new(|| {
    let kind = crate::analysis::go::kind_id;
    let field = crate::analysis::go::field_id;
    Ids {
        call: kind("call_expression"),
        go_statement: kind("go_statement"),
        short_var_declaration: kind("short_var_declaration"),
        selector: kind("selector_expression"),
        identifier: kind("identifier"),
        parenthesized: kind("parenthesized_expression"),
        function: field("function"),
        operand: field("operand"),
        field: field("field"),
        left: field("left"),
        right: field("right"),
        parameter_declaration: kind("parameter_declaration"),
        receiver: field("receiver"),
        name: field("name"),
        type_: field("type"),
        for_statement: kind("for_statement"),
    }
});

/// [`unparen`] by kind id.
fn strip_parens<'t>(ids: &Ids, mut node: Node<'t>) -> Node<'t> {
    while node.kind_id() == ids.parenthesized {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// Where in `text` a call, a `go` statement or a `:=` may be, from `offset` on: every `(` (a call's
/// arguments open with one), every `:=`, and every `go` that is not inside a longer name. A node
/// that holds none of these places (and no syntax error) holds none of the three, nor do its
/// descendants.
fn fact_marks(text: &[u8], offset: usize) -> Vec<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut marks = Vec::new();
    for (i, &b) in text.iter().enumerate() {
        let mark = match b {
            b'(' => true,
            b':' => text.get(i + 1) == Some(&b'='),
            b'g' => {
                text.get(i + 1) == Some(&b'o')
                    && !text.get(i + 2).is_some_and(|&c| word(c))
                    && !i.checked_sub(1).is_some_and(|p| word(text[p]))
            }
            _ => false,
        };
        if mark {
            marks.push(offset + i);
        }
    }
    marks
}

/// Visits, in document order, `root` and the nodes under it that may be a call, a `go` statement
/// or a `:=`, as `visit_all` would visit them, but without the subtrees that cannot hold one: those
/// whose text has none of their [`fact_marks`] and that hold no syntax error (where a missing token
/// or a skipped one could make a node without its mark). Most of a function's nodes are in such
/// subtrees (names, selectors, literals, types, conditions), and the walk of every node was most of
/// the facts' cost.
fn visit_fact_candidates<'t>(text: &str, root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let range = root.byte_range();
    let mut marks = Marks::new(fact_marks(text.as_bytes().get(range.clone()).unwrap_or(&[]), range.start));
    walk(root, |node| {
        if marks.within(node.start_byte(), node.end_byte()) || node.has_error() {
            f(node);
            Step::Enter
        } else {
            Step::Skip
        }
    });
}

/// Parameter names with their types as written, in declaration order.
type ParamTypes<'a> = Vec<(&'a str, &'a str)>;

struct Extractor<'s, 'a> {
    src: &'s Source<'a>,
    /// Where the file's lines start, for a text that holds a `\r`: the facts need a few positions
    /// per function, which do not justify a rope of the whole text. Without a `\r`, the lines
    /// that the report counts (split at `\n`, `\r\n` and `\r`) are tree-sitter's rows, which
    /// every node carries: the scan of the whole text for line starts cost a tenth of the facts.
    lines: Option<LineStarts>,
    names: &'s Names,
    file: Name,
    package: Name,
    /// The constructors of the variables of the function last asked about (its node id), by name.
    constructors: std::cell::RefCell<(Option<usize>, HashMap<&'a str, CallRef>)>,
    /// The declared types of the parameters and receiver of the function last asked about (its
    /// node id), by name, in declaration order: a method call asks for its operand's, and functions
    /// make many calls. A list, not a map, and kept from function to function: a function has a
    /// few parameters, and a map built per function cost more than the searches it served.
    param_types: std::cell::RefCell<(Option<usize>, ParamTypes<'a>)>,
}

impl<'a> Extractor<'_, 'a> {
    fn loc(&self, node: Node<'_>) -> Place {
        let text = self.src.text;
        let (line, col) = match &self.lines {
            Some(lines) => {
                let lc = lines.linecol(text, node.start_byte(), Encoding::Utf32);
                (lc.line, lc.col)
            }
            None => {
                let (start, point) = (node.start_byte(), node.start_position());
                let before = text.get(start.saturating_sub(point.column)..start).unwrap_or("");
                (point.row, before.chars().count())
            }
        };
        // Tree-sitter's offsets are 32-bit, so are the lines and columns within them.
        Place {
            file: self.file.clone(),
            line: line as u32 + 1,
            col: col as u32 + 1,
            start: node.start_byte() as u32,
            end: node.end_byte() as u32,
        }
    }

    /// The shared copy of a name.
    fn name(&self, s: &str) -> Name {
        self.names.get(s)
    }

    /// The number of elements of a top-level `var name = []T{...}` (or a literal in place).
    fn literal_len(&self, expr: Node<'_>) -> Option<u32> {
        let expr = unparen(expr);
        if expr.kind() == "composite_literal" {
            let body = expr.child_by_field_name("body")?;
            let mut c = body.walk();
            return Some(body.named_children(&mut c).filter(|n| n.kind() != "comment").count() as u32);
        }
        if expr.kind() != "identifier" {
            return None;
        }
        let name = self.src.text_of(expr);
        let mut found = None;
        // Package-level `var` declarations only: the top-level items, not a walk of every function.
        let root = self.src.root();
        let mut cursor = root.walk();
        for decl in root.named_children(&mut cursor).filter(|d| d.kind() == "var_declaration") {
            visit_all(decl, |n| {
                if found.is_none() && n.kind() == "var_spec" {
                    let mut c = n.walk();
                    let names: Vec<_> = n.children_by_field_name("name", &mut c).collect();
                    if let Some(i) = names.iter().position(|x| self.src.text_of(*x) == name) {
                        found = n.child_by_field_name("value").and_then(|v| v.named_child(i));
                    }
                }
            });
        }
        found.filter(|v| v.kind() == "composite_literal").and_then(|v| self.literal_len(v))
    }

    /// The count of one loop: a range over a literal or a top-level slice literal, or a counted
    /// loop with a literal bound. The text describes it either way.
    fn loop_count(&self, for_stmt: Node<'_>) -> (Option<u32>, String) {
        let mut c = for_stmt.walk();
        let header = for_stmt.named_children(&mut c).find(|n| n.kind() != "block" && n.kind() != "comment");
        match header {
            Some(h) if h.kind() == "range_clause" => {
                let Some(right) = h.child_by_field_name("right") else { return (None, "range".into()) };
                let n = self.literal_len(right);
                let text = self.src.text_of(right);
                let desc = match n {
                    Some(n) => format!("range {text} ({n} items)"),
                    None => format!("range {text} (one per item)"),
                };
                (n, desc)
            }
            Some(h) if h.kind() == "for_clause" => {
                let bound = h
                    .child_by_field_name("condition")
                    .filter(|c| c.kind() == "binary_expression")
                    .and_then(|c| c.child_by_field_name("right"))
                    .filter(|r| r.kind() == "int_literal")
                    .and_then(|r| self.src.text_of(r).parse::<u32>().ok());
                let desc = format!("for {}", self.src.text_of(h));
                (bound, desc)
            }
            _ => (None, "for".into()),
        }
    }

    fn spawn(&self, node: Node<'_>, func: Node<'_>, bounded: bool) -> Spawn {
        let for_statement = IDS.for_statement;
        let mut times = Some(1u32);
        let mut loops = Vec::new();
        // The nodes between `func` and `node`, outermost first, found from `func` down: the path
        // `parent` follows from the root of the tree on every call, so that asking each ancestor
        // for its parent searched the file's top-level items once per level. (The product of the
        // counts is the same in either order: it saturates, or is zero, whatever the order.)
        let mut cur = func;
        while let Some(n) = cur.child_with_descendant(node) {
            if n.id() == node.id() {
                break;
            }
            if n.kind_id() == for_statement {
                let (count, desc) = self.loop_count(n);
                times = times.zip(count).map(|(a, b)| a.saturating_mul(b));
                loops.push(desc);
            }
            cur = n;
        }
        Spawn { loc: self.loc(node), times, loops, bounded }
    }

    /// The field name of a callee `x.F` (parentheses stripped), the only names that the tests for
    /// goroutines and timeouts accept.
    fn last_name(&self, callee: Node<'_>) -> Option<&'a str> {
        let ids = &*IDS;
        let callee = strip_parens(ids, callee);
        (callee.kind_id() == ids.selector).then(|| callee.child_by_field_id(ids.field).map(|f| self.src.text_of(f)))?
    }

    /// A call or handler expression as a reference to resolve.
    fn call_ref(&self, callee: Node<'_>, scope: Node<'_>) -> Option<CallRef> {
        let ids = &*IDS;
        let callee = strip_parens(ids, callee);
        let kind = callee.kind_id();
        if kind == ids.identifier {
            let name = self.src.text_of(callee);
            Some(CallRef::Func { package: self.package.clone(), name: self.name(name) })
        } else if kind == ids.selector {
            let operand = strip_parens(ids, callee.child_by_field_id(ids.operand)?);
            let name = self.name(self.src.text_of(callee.child_by_field_id(ids.field)?));
            if operand.kind_id() == ids.identifier {
                if let Some(package) = self.src.imported_package(self.src.text_of(operand)) {
                    return Some(CallRef::Func { package: self.name(package), name });
                }
            }
            let via = self.constructor_of(operand, scope).map(Box::new);
            let on = self.operand_type(operand, scope);
            Some(CallRef::Method { name, via, on })
        } else {
            None
        }
    }

    /// The declared type of a parameter or the receiver of `scope` named `name`.
    fn param_type(&self, name: &str, scope: Node<'_>) -> Option<&'a str> {
        let ids = &*IDS;
        let mut cache = self.param_types.borrow_mut();
        let (of, types) = &mut *cache;
        if *of != Some(scope.id()) {
            types.clear();
            crate::analysis::go::each_param(scope, |p| {
                types.push((self.src.text_of(p.name), self.src.text_of(p.ty)));
                false
            });
            if let Some(recv) = scope.child_by_field_id(ids.receiver) {
                let mut c = recv.walk();
                for decl in recv.named_children(&mut c).filter(|d| d.kind_id() == ids.parameter_declaration) {
                    if let (Some(n), Some(ty)) = (decl.child_by_field_id(ids.name), decl.child_by_field_id(ids.type_)) {
                        types.push((self.src.text_of(n), self.src.text_of(ty)));
                    }
                }
            }
            *of = Some(scope.id());
        }
        // The first parameter of a name wins, as a search in declaration order would find.
        types.iter().find(|(n, _)| *n == name).map(|(_, ty)| *ty)
    }

    /// What the syntax tells of the type of a method call's operand: `s` is a parameter or the
    /// receiver, or `h.store` is a field of one.
    fn operand_type(&self, operand: Node<'_>, scope: Node<'_>) -> Option<TypeRef> {
        let ids = &*IDS;
        let kind = operand.kind_id();
        if kind == ids.identifier {
            self.param_type(self.src.text_of(operand), scope).map(|t| TypeRef::Named(self.name(t)))
        } else if kind == ids.selector {
            let inner = strip_parens(ids, operand.child_by_field_id(ids.operand)?);
            let field = self.name(self.src.text_of(operand.child_by_field_id(ids.field)?));
            if inner.kind_id() != ids.identifier {
                return None;
            }
            let owner = self.name(base_type(self.param_type(self.src.text_of(inner), scope)?)?);
            Some(TypeRef::Field { owner, field })
        } else {
            None
        }
    }

    /// For `users` in `users.GetUser`, the call that built it (`handlers.NewUsers(...)`) when it is
    /// assigned in the same function.
    fn constructor_of(&self, operand: Node<'_>, scope: Node<'_>) -> Option<CallRef> {
        if operand.kind_id() != IDS.identifier {
            return None;
        }
        let mut cache = self.constructors.borrow_mut();
        // One pass over the function for all its method calls: a walk per call would be
        // quadratic in the function's size. `func_facts` fills the cache in its own walk.
        if cache.0 != Some(scope.id()) {
            let mut found: HashMap<&'a str, CallRef> = HashMap::new();
            visit_all(scope, |n| self.note_constructors(n, &mut found));
            *cache = (Some(scope.id()), found);
        }
        cache.1.get(self.src.text_of(operand)).cloned()
    }

    /// Whether `callee` is `pkg.F` with `pkg` a standard-library package the file imports.
    fn is_library_call(&self, callee: Node<'_>) -> bool {
        let ids = &*IDS;
        let callee = strip_parens(ids, callee);
        callee.kind_id() == ids.selector
            && callee.child_by_field_id(ids.operand).is_some_and(|operand| {
                let operand = strip_parens(ids, operand);
                operand.kind_id() == ids.identifier
                    && self.src.import_path_of(self.src.text_of(operand)).is_some_and(is_standard_library)
            })
    }

    /// Notes the constructor calls that `n`, when a `:=` statement, assigns to its variables; the
    /// first one of a name wins.
    fn note_constructors(&self, n: Node<'_>, found: &mut HashMap<&'a str, CallRef>) {
        let ids = &*IDS;
        if n.kind_id() != ids.short_var_declaration {
            return;
        }
        let (Some(left), Some(right)) = (n.child_by_field_id(ids.left), n.child_by_field_id(ids.right)) else {
            return;
        };
        let mut c = left.walk();
        for (i, var) in left.named_children(&mut c).enumerate() {
            let Some(call) = right.named_child(i).filter(|v| v.kind_id() == ids.call) else { continue };
            if let Some(r) = call.child_by_field_id(ids.function).and_then(|f| self.func_ref(f)) {
                found.entry(self.src.text_of(var)).or_insert(r);
            }
        }
    }

    /// A call of a function by name (`F` or `pkg.F`), never a method: a constructor. Unlike
    /// `call_ref` it does not look at the operand's origin, which could be the variable itself
    /// (`conn := conn.Upgrade()`) and would recurse without end.
    fn func_ref(&self, callee: Node<'_>) -> Option<CallRef> {
        let ids = &*IDS;
        let callee = strip_parens(ids, callee);
        let kind = callee.kind_id();
        if kind == ids.identifier {
            Some(CallRef::Func { package: self.package.clone(), name: self.name(self.src.text_of(callee)) })
        } else if kind == ids.selector {
            let operand = strip_parens(ids, callee.child_by_field_id(ids.operand)?);
            let package =
                self.src.imported_package(self.src.text_of(operand)).filter(|_| operand.kind_id() == ids.identifier)?;
            let name = self.name(self.src.text_of(callee.child_by_field_id(ids.field)?));
            Some(CallRef::Func { package: self.name(package), name })
        } else {
            None
        }
    }

    /// Visits, in document order, the calls, `go` statements and `:=` of `func` (and nodes of other
    /// kinds that may hold one). The walk that found the rules' matches collected the nodes of a
    /// top-level function; a function literal, or a file analysed otherwise, takes a walk of its
    /// own.
    fn visit_fact_nodes<'f>(&self, func: Node<'f>, mut f: impl FnMut(Node<'f>))
    where
        'a: 'f,
    {
        match self.src.fact_nodes().and_then(|facts| facts.of_item(func)) {
            Some(nodes) => nodes.iter().for_each(|n| f(*n)),
            None => visit_fact_candidates(self.src.text, func, f),
        }
    }

    fn func_facts<'f>(&self, func: Node<'f>, key: FuncKey, name_node: Node<'_>, findings: &[Finding]) -> FuncFacts
    where
        'a: 'f,
    {
        let lines = match &self.lines {
            Some(starts) => (starts.line(func.start_byte()), starts.line(func.end_byte())),
            None => (func.start_position().row, func.end_position().row),
        };
        let mut spawns = Vec::new();
        let mut timeouts = Vec::new();
        let mut calls = Vec::new();
        let limited = self.src.text_of(func).contains(".SetLimit(");
        // One walk collects what the facts need; the calls are resolved after it, once the
        // constructors of the function's variables are known.
        let mut callees = Vec::new();
        let mut constructors = HashMap::new();
        let ids = &*IDS;
        let visit = |n: Node<'f>| {
            let kind = n.kind_id();
            if kind == ids.go_statement {
                spawns.push(self.spawn(n, func, false));
            } else if kind == ids.short_var_declaration {
                self.note_constructors(n, &mut constructors);
            } else if kind == ids.call {
                let callee = n.child_by_field_id(ids.function);
                // Only a call whose last name is `Go` or `WithTimeout` can start a goroutine or a
                // detached timeout: the full tests run on those alone.
                match callee.and_then(|c| self.last_name(c)) {
                    Some("Go") => {
                        if let Some((_, "Go")) = method_call(self.src, n) {
                            if call_args(n).first().is_some_and(|a| a.kind() == "func_literal") {
                                spawns.push(self.spawn(n, func, limited));
                            }
                        }
                    }
                    Some("WithTimeout") if is_pkg_call(self.src, n, "context", &["WithTimeout"]) => {
                        let args = call_args(n);
                        let detached = args
                            .first()
                            .is_some_and(|p| is_pkg_call(self.src, unparen(*p), "context", &["Background", "TODO"]));
                        if let (true, Some(d)) = (detached, args.get(1).and_then(|d| duration_of(self.src, *d))) {
                            timeouts.push(DetachedTimeout { loc: self.loc(n), duration: d });
                        }
                    }
                    _ => {}
                }
                callees.extend(callee);
            }
        };
        self.visit_fact_nodes(func, visit);
        *self.constructors.borrow_mut() = (Some(func.id()), constructors);
        let mut seen = std::collections::HashSet::new();
        for callee in callees {
            // A standard-library function is never one of the workspace's, and every file's facts
            // are held until the report: most calls of a function are of this kind.
            if self.is_library_call(callee) {
                continue;
            }
            if let Some(r) = self.call_ref(callee, func) {
                if seen.insert(r.clone()) {
                    calls.push(self.names.call(r));
                }
            }
        }
        let range = func.byte_range();
        let found: Vec<_> = findings
            .iter()
            .filter(|f| range.contains(&f.range.start))
            .map(|f| {
                let node = self.src.root().descendant_for_byte_range(f.range.start, f.range.start).unwrap_or(func);
                (f.rule, self.loc(node))
            })
            .collect();
        let rare = (!spawns.is_empty() || !timeouts.is_empty() || !found.is_empty()).then(|| {
            Box::new(Rare {
                spawns: spawns.into_boxed_slice(),
                timeouts: timeouts.into_boxed_slice(),
                findings: found.into_boxed_slice(),
            })
        });
        let mut results = Vec::new();
        crate::analysis::go::each_result(func, |r| results.push(self.name(self.src.text_of(r))));
        FuncFacts {
            key,
            loc: self.loc(name_node),
            lines: (lines.0 as u32 + 1, lines.1 as u32 + 1),
            calls: calls.into_boxed_slice(),
            results: self.names.results(results),
            rare,
        }
    }

    fn handler_ref(&self, expr: Node<'_>, scope: Node<'_>, findings: &[Finding]) -> HandlerRef {
        let expr = unparen(expr);
        let text = self.src.text_of(expr).to_string();
        if expr.kind() == "func_literal" {
            let key = FuncKey { package: self.package.clone(), receiver: None, name: self.name("func literal") };
            return HandlerRef::Inline(Box::new(self.func_facts(expr, key, expr, findings)));
        }
        // A factory call (`middleware.Logging(logger)`) stands for the function that builds the
        // middleware: its body holds the closure that runs per request.
        let target = if expr.kind() == "call_expression" { expr.child_by_field_name("function") } else { Some(expr) };
        match target.and_then(|t| self.call_ref(t, scope)) {
            Some(r) => HandlerRef::Named(r, text),
            None => HandlerRef::Named(CallRef::Func { package: self.name(""), name: self.name(&text) }, text),
        }
    }
}

/// How a router was made, which decides where its handler and middleware arguments sit.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Gin,
    Echo,
    Chi,
    Mux,
}

#[derive(Clone)]
struct Router {
    kind: Kind,
    prefix: String,
    middleware: Vec<HandlerRef>,
}

fn string_literal(src: &Source<'_>, n: Node<'_>) -> Option<String> {
    matches!(n.kind(), "interpreted_string_literal" | "raw_string_literal")
        .then(|| src.text_of(n).trim_matches(['"', '`']).to_string())
}

const GIN_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "Any"];
const CHI_METHODS: &[&str] = &["Get", "Post", "Put", "Delete", "Patch", "Head", "Options"];

/// Extracts a file's facts. `findings` are the rules' findings for the same text.
pub fn file_facts(file: &str, src: &Source<'_>, findings: &[Finding]) -> FileFacts {
    file_facts_with(file, src, findings, &Names::default())
}

/// [`file_facts`] with names shared through `names`, for a caller that holds the facts of many
/// files at once.
pub fn file_facts_with(file: &str, src: &Source<'_>, findings: &[Finding], names: &Names) -> FileFacts {
    let root = src.root();
    let mut cursor = root.walk();
    let package = root
        .named_children(&mut cursor)
        .find(|n| n.kind() == "package_clause")
        .and_then(|c| c.named_child(0))
        .map(|n| names.get(src.text_of(n)))
        .unwrap_or_else(|| names.get(""));
    let ex = Extractor {
        src,
        lines: src.text.as_bytes().contains(&b'\r').then(|| LineStarts::new(src.text)),
        names,
        file: names.get(file),
        package: package.clone(),
        constructors: Default::default(),
        param_types: Default::default(),
    };
    let mut facts = FileFacts { package: package.clone(), ..Default::default() };
    // Routers are made by, or handed over as, one of these packages' types: a file that imports
    // none of them registers no route, and `check` need not walk its functions for routes.
    let registers_routes = [GIN, ECHO, CHI, "net/http"].iter().any(|p| src.import_name(p).is_some());
    let mut cursor = root.walk();
    let items: Vec<_> = root.named_children(&mut cursor).collect();
    for item in items {
        if item.kind() == "type_declaration" {
            types_in(src, names, item, &mut facts);
            continue;
        }
        let (receiver, name) = match item.kind() {
            "function_declaration" => (None, item.child_by_field_name("name")),
            "method_declaration" => {
                let recv = item
                    .child_by_field_name("receiver")
                    .and_then(|r| r.named_child(0))
                    .and_then(|d| d.child_by_field_name("type"));
                let recv =
                    recv.map(|t| names.get(src.text_of(t).trim_start_matches('*').split('[').next().unwrap_or("")));
                (recv, item.child_by_field_name("name"))
            }
            _ => continue,
        };
        let Some(name) = name else { continue };
        let key = FuncKey { package: package.clone(), receiver, name: names.get(src.text_of(name)) };
        facts.funcs.push(ex.func_facts(item, key, name, findings));
        if registers_routes {
            routes_in(&ex, item, findings, &mut facts.routes);
        }
    }
    facts.shrink_to_fit();
    facts
}

impl FileFacts {
    /// Gives back the spare capacity of every list. `check` holds the facts of every file of the
    /// workspace until the report is built, and the lists, grown by doubling as the walk pushed,
    /// were a quarter or more spare. (A function's own lists are boxed slices, never spare.)
    fn shrink_to_fit(&mut self) {
        self.funcs.shrink_to_fit();
        for r in &mut self.routes {
            r.middleware.shrink_to_fit();
        }
        self.routes.shrink_to_fit();
        self.interfaces.shrink_to_fit();
        self.structs.shrink_to_fit();
    }
}

/// Records the interfaces (with their method names) and structs (with their named fields) of a
/// top-level type declaration, for resolving calls through interfaces and fields.
fn types_in(src: &Source<'_>, names: &Names, decl: Node<'_>, facts: &mut FileFacts) {
    let mut c = decl.walk();
    for spec in decl.named_children(&mut c).filter(|n| n.kind() == "type_spec") {
        let (Some(name), Some(ty)) = (spec.child_by_field_name("name"), spec.child_by_field_name("type")) else {
            continue;
        };
        let name = names.get(src.text_of(name));
        match ty.kind() {
            "interface_type" => {
                let mut c = ty.walk();
                let methods = ty
                    .named_children(&mut c)
                    .filter(|m| m.kind() == "method_elem")
                    .filter_map(|m| m.child_by_field_name("name"))
                    .map(|n| names.get(src.text_of(n)))
                    .collect();
                facts.interfaces.push((name, methods));
            }
            "struct_type" => {
                let mut fields = Vec::new();
                let mut c = ty.walk();
                for list in ty.named_children(&mut c).filter(|n| n.kind() == "field_declaration_list") {
                    let mut c = list.walk();
                    for field in list.named_children(&mut c).filter(|n| n.kind() == "field_declaration") {
                        let Some(fty) = field.child_by_field_name("type") else { continue };
                        let mut c = field.walk();
                        for n in field.children_by_field_name("name", &mut c) {
                            fields.push((names.get(src.text_of(n)), names.get(src.text_of(fty))));
                        }
                    }
                }
                facts.structs.push((name, fields.into_boxed_slice()));
            }
            _ => {}
        }
    }
}

/// The name of the type a written type names, without pointer, package qualifier or type
/// arguments (`*store.Postgres[K]` gives `Postgres`); `None` for slices, maps, channels and
/// function types, which have no methods of their own in the workspace.
fn base_type(written: &str) -> Option<&str> {
    let t = written.trim().trim_start_matches('*');
    let t = t.split('[').next().unwrap_or(t);
    let t = t.rsplit('.').next().unwrap_or(t);
    (!t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(t)
}

/// Whether a file's text may register a route: it names a router package or `ServeMux`. A cheap
/// test that lets `check` skip extracting facts in code that serves no HTTP at all.
pub fn may_register_routes(text: &str) -> bool {
    [GIN, ECHO, CHI, "ServeMux"].iter().any(|m| text.contains(m))
}

/// Follows router variables through one function body in source order and records the routes.
fn routes_in<'a>(ex: &Extractor<'_, 'a>, func: Node<'a>, findings: &[Finding], out: &mut Vec<Route>) {
    let src = ex.src;
    let ids = &*IDS;
    let mut routers: HashMap<String, Router> = HashMap::new();
    // Router parameters (`func register(r *gin.Engine)`) start with no prefix.
    crate::analysis::go::each_param(func, |crate::analysis::go::Param { name, ty }| {
        let ty = src.text_of(ty).trim_start_matches('*');
        let kind = match ty {
            "gin.Engine" | "gin.RouterGroup" | "gin.IRouter" | "gin.IRoutes" => Some(Kind::Gin),
            "echo.Echo" | "echo.Group" => Some(Kind::Echo),
            "chi.Router" | "chi.Mux" => Some(Kind::Chi),
            "http.ServeMux" => Some(Kind::Mux),
            _ => None,
        };
        if let Some(kind) = kind {
            routers
                .insert(src.text_of(name).to_string(), Router { kind, prefix: String::new(), middleware: Vec::new() });
        }
        false
    });
    // A function that is handed no router and makes none registers nothing: skip its walk (most
    // functions of a large tree; `check` runs this on every file).
    const MAKERS: &[&str] = &[".New(", ".Default(", ".NewRouter(", ".NewMux(", ".NewServeMux("];
    let body = src.text_of(func);
    if routers.is_empty() && !MAKERS.iter().any(|m| body.contains(m)) {
        return;
    }
    // The calls and `:=` in document order, as a walk of every node would find them, from the
    // nodes the facts read: a walk of every node of the function cost more than the rest of the
    // routes (`errors.New(` passes the test above in most files).
    let mut calls = Vec::new();
    ex.visit_fact_nodes(func, |n| {
        if n.kind_id() == ids.call || n.kind_id() == ids.short_var_declaration {
            calls.push(n);
        }
    });
    for n in calls {
        if n.kind_id() == ids.short_var_declaration {
            let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
                continue;
            };
            let (Some(var), Some(value)) = (left.named_child(0), right.named_child(0)) else { continue };
            let var = src.text_of(var).to_string();
            if value.kind() != "call_expression" {
                continue;
            }
            let made = if is_pkg_call(src, value, GIN, &["New", "Default"]) {
                Some(Kind::Gin)
            } else if is_pkg_call(src, value, ECHO, &["New"]) {
                Some(Kind::Echo)
            } else if is_pkg_call(src, value, CHI, &["NewRouter", "NewMux"]) {
                Some(Kind::Chi)
            } else if is_pkg_call(src, value, "net/http", &["NewServeMux"]) {
                Some(Kind::Mux)
            } else {
                None
            };
            if let Some(kind) = made {
                routers.insert(var, Router { kind, prefix: String::new(), middleware: Vec::new() });
                continue;
            }
            // `api := router.Group("/users", mw...)`
            if let Some((recv, "Group")) = method_call(src, value) {
                if let Some(parent) = routers.get(src.text_of(recv)).cloned() {
                    let args = call_args(value);
                    let prefix = args.first().and_then(|a| string_literal(src, *a)).unwrap_or_default();
                    let mut middleware = parent.middleware.clone();
                    middleware.extend(args.iter().skip(1).map(|a| ex.handler_ref(*a, func, findings)));
                    routers.insert(
                        var,
                        Router { kind: parent.kind, prefix: format!("{}{prefix}", parent.prefix), middleware },
                    );
                }
            }
            continue;
        }
        let Some((recv, method)) = method_call(src, n) else { continue };
        let Some(router) = routers.get(src.text_of(recv)).cloned() else { continue };
        let args = call_args(n);
        if method == "Use" {
            let added: Vec<_> = args.iter().map(|a| ex.handler_ref(*a, func, findings)).collect();
            if let Some(r) = routers.get_mut(src.text_of(recv)) {
                r.middleware.extend(added);
            }
            continue;
        }
        let verb = match (router.kind, method) {
            (Kind::Gin | Kind::Echo, m) if GIN_METHODS.contains(&m) => m.to_string(),
            (Kind::Chi, m) if CHI_METHODS.contains(&m) => m.to_uppercase(),
            (_, "Handle" | "HandleFunc") => "ANY".to_string(),
            _ => continue,
        };
        let Some(path) = args.first().and_then(|a| string_literal(src, *a)) else { continue };
        // Go 1.22 patterns carry the method: "GET /users/{id}".
        let (verb, path) = match path.split_once(' ') {
            Some((m, p)) if verb == "ANY" && m.chars().all(|c| c.is_ascii_uppercase()) => {
                (m.to_string(), p.to_string())
            }
            _ => (verb, path),
        };
        let rest: Vec<_> = args.iter().skip(1).copied().collect();
        let (handler, route_mw): (Option<Node<'_>>, Vec<Node<'_>>) = match router.kind {
            // gin: middleware first, the handler last.
            Kind::Gin => (rest.last().copied(), rest[..rest.len().saturating_sub(1)].to_vec()),
            // echo: the handler first, route middleware after it.
            Kind::Echo => (rest.first().copied(), rest.iter().skip(1).copied().collect()),
            Kind::Chi | Kind::Mux => (rest.first().copied(), Vec::new()),
        };
        let Some(handler) = handler else { continue };
        let mut middleware = router.middleware.clone();
        middleware.extend(route_mw.iter().map(|m| ex.handler_ref(*m, func, findings)));
        out.push(Route {
            method: verb,
            path: format!("{}{path}", router.prefix),
            loc: ex.loc(n),
            handler: ex.handler_ref(handler, func, findings),
            middleware,
        });
    }
}

/// How far calls are followed from a handler.
const MAX_DEPTH: usize = 4;

/// One factor of a route's amplification, with where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub what: String,
    pub loc: Loc,
}

/// A function a route's handler reaches: where its declaration lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reached {
    pub file: String,
    /// First and last line, 1-based.
    pub lines: (usize, usize),
}

/// A route's amplification.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub method: String,
    pub path: String,
    pub loc: Loc,
    pub handler: String,
    /// Where the handler is declared, when resolved.
    pub handler_loc: Option<Loc>,
    /// How many times the chain runs the handler per request (2 per double-`Next` middleware).
    pub runs: u32,
    pub runs_from: Vec<Factor>,
    /// Goroutines started per run of the handler, counting only what is certain.
    pub goroutines: u32,
    /// Some goroutine starts run once per input item: the count above is a lower bound.
    pub per_item: bool,
    pub goroutines_from: Vec<Factor>,
    /// The longest detached timeout on the way: how long that work may outlive the request.
    pub lifetime: Option<(Duration, Loc)>,
    /// Other hazards found by the rules on the way (empty filters, unbounded reads, …).
    pub hazards: Vec<Factor>,
    /// Calls and handlers that could not be resolved to one workspace function.
    pub unresolved: Vec<String>,
    /// The handler and the functions it reaches within the resolution depth.
    pub reached: Vec<Reached>,
    /// The middleware in front of the handler that resolved to a workspace function.
    pub middleware: Vec<Middleware>,
}

/// A middleware on a route's chain, resolved to the function that declares it (for a factory like
/// `middleware.Logging(logger)`, the factory).
#[derive(Clone, Debug, PartialEq)]
pub struct Middleware {
    /// As registered (`middleware.Logging(logger)`).
    pub name: String,
    pub loc: Loc,
    /// How many second `Next` calls it makes: each doubles the runs of what follows.
    pub doubles: u32,
}

impl Summary {
    pub fn goroutines_per_request(&self) -> u32 {
        self.goroutines.saturating_mul(self.runs)
    }

    /// Little's law: requests per second × goroutines per request × seconds each lives.
    pub fn live_goroutines(&self, rps: f64) -> Option<f64> {
        let (life, _) = self.lifetime.as_ref()?;
        (self.goroutines > 0).then(|| rps * f64::from(self.goroutines_per_request()) * life.as_secs_f64())
    }
}

struct Resolver<'f> {
    by_name: HashMap<&'f str, Vec<&'f FuncFacts>>,
    packages: HashSet<&'f str>,
    /// Method names per receiver type, (package, type).
    method_sets: HashMap<(&'f str, &'f str), HashSet<&'f str>>,
    /// Interfaces by name: the method names of each declaration with that name.
    interfaces: HashMap<&'f str, Vec<&'f [Name]>>,
    /// Field types by (struct, field), as written, one per declaration.
    fields: HashMap<(&'f str, &'f str), Vec<&'f str>>,
    /// Every struct and interface name declared in the workspace.
    types: HashSet<&'f str>,
}

impl<'f> Resolver<'f> {
    fn new(files: &[&'f FileFacts]) -> Self {
        let mut r = Resolver {
            by_name: HashMap::new(),
            packages: files.iter().map(|f| &*f.package).collect(),
            method_sets: HashMap::new(),
            interfaces: HashMap::new(),
            fields: HashMap::new(),
            types: HashSet::new(),
        };
        for file in files {
            for f in &file.funcs {
                r.by_name.entry(&*f.key.name).or_default().push(f);
                if let Some(recv) = &f.key.receiver {
                    r.method_sets.entry((&*f.key.package, &**recv)).or_default().insert(&*f.key.name);
                }
            }
            for (name, methods) in &file.interfaces {
                r.interfaces.entry(&**name).or_default().push(&**methods);
                r.types.insert(&**name);
            }
            for (name, fields) in &file.structs {
                r.types.insert(&**name);
                for (field, ty) in fields.iter() {
                    r.fields.entry((&**name, &**field)).or_default().push(&**ty);
                }
            }
        }
        r
    }

    /// The base name of the operand's type, when the syntax tells it: its declared type, a
    /// field's type, or the first result of the constructor that built it.
    fn operand_type(&self, via: Option<&CallRef>, on: Option<&TypeRef>) -> Option<String> {
        let declared = match on {
            Some(TypeRef::Named(t)) => base_type(t),
            Some(TypeRef::Field { owner, field }) => {
                // Structs of the same name in several packages must agree on the field's type.
                let types: HashSet<&str> =
                    self.fields.get(&(&**owner, &**field)).into_iter().flatten().filter_map(|t| base_type(t)).collect();
                (types.len() == 1).then(|| types.into_iter().next()).flatten()
            }
            None => None,
        };
        declared.map(str::to_string).or_else(|| {
            via.and_then(|v| self.resolve(v).ok().flatten())
                .and_then(|c| c.results.first())
                .and_then(|t| base_type(t))
                .map(str::to_string)
        })
    }

    /// The one workspace type implementing the interface `iface`'s method `name`: the types whose
    /// methods include every method the interface names. `Err` when there is none or several.
    fn implementation(&self, iface: &str, name: &str) -> Result<&'f FuncFacts, String> {
        let decls = &self.interfaces[iface];
        if decls.len() > 1 {
            return Err(format!("{name} on interface {iface} ({} interfaces of that name)", decls.len()));
        }
        let wanted = decls[0];
        let mut types: Vec<_> = self
            .method_sets
            .iter()
            .filter(|(_, methods)| wanted.iter().all(|m| methods.contains(&**m)))
            .map(|(ty, _)| *ty)
            .collect();
        types.sort();
        match types.as_slice() {
            [(package, ty)] => self
                .by_name
                .get(name)
                .into_iter()
                .flatten()
                .find(|f| &*f.key.package == *package && f.key.receiver.as_deref() == Some(*ty))
                .copied()
                .ok_or_else(|| format!("{name} on interface {iface}")),
            [] => Err(format!("{name} on interface {iface} (no implementation in the workspace)")),
            many => Err(format!("{name} on interface {iface} ({} implementations)", many.len())),
        }
    }

    /// The workspace function a call names: `Ok(None)` when it is outside the workspace (a
    /// library), `Err` when several candidates fit and none can be told apart.
    fn resolve(&self, r: &CallRef) -> Result<Option<&'f FuncFacts>, String> {
        match r {
            CallRef::Func { package, name } => {
                if !self.packages.contains(&**package) {
                    return Ok(None);
                }
                let found: Vec<_> = self
                    .by_name
                    .get(&**name)
                    .into_iter()
                    .flatten()
                    .filter(|f| f.key.package == *package && f.key.receiver.is_none())
                    .collect();
                Ok(found.first().map(|f| **f))
            }
            CallRef::Method { name, via, on } => {
                let all: Vec<_> =
                    self.by_name.get(&**name).into_iter().flatten().filter(|f| f.key.receiver.is_some()).collect();
                if let Some(ty) = self.operand_type(via.as_deref(), on.as_ref()) {
                    // Through an interface declared in the workspace: its one implementation, or
                    // unresolved. An interface method is never guessed from the name alone.
                    if self.interfaces.get(ty.as_str()).is_some_and(|d| d.iter().any(|m| m.contains(name))) {
                        return self.implementation(&ty, name).map(Some);
                    }
                    if let Some(f) = all.iter().find(|f| f.key.receiver.as_deref() == Some(ty.as_str())) {
                        return Ok(Some(**f));
                    }
                    // A workspace type without that method may have it through an embedded
                    // field; any other type is a library's.
                    return if self.types.contains(ty.as_str()) && !all.is_empty() {
                        Err(format!("{name} on {ty}"))
                    } else {
                        Ok(None)
                    };
                }
                if all.len() <= 1 {
                    return Ok(all.first().map(|f| **f));
                }
                Err(format!("{name} ({} candidates)", all.len()))
            }
        }
    }
}

/// Builds the report over every file's facts, routes sorted by how much work one request becomes.
pub fn build(files: &[FileFacts]) -> Vec<Summary> {
    build_refs(&files.iter().collect::<Vec<_>>())
}

/// `build` over facts held elsewhere (the language server keeps them per file, shared).
pub fn build_refs(files: &[&FileFacts]) -> Vec<Summary> {
    // Most files of most workspaces register no route: no index of every function for nothing.
    if files.iter().all(|f| f.routes.is_empty()) {
        return Vec::new();
    }
    let resolver = Resolver::new(files);
    let mut out: Vec<Summary> = files.iter().flat_map(|f| &f.routes).map(|r| summarize(&resolver, r)).collect();
    out.sort_by(|a, b| {
        let score = |s: &Summary| {
            f64::from(s.goroutines_per_request().max(1))
                * s.lifetime.as_ref().map_or(1.0, |(d, _)| d.as_secs_f64().max(1.0))
                * f64::from(s.runs)
        };
        score(b).total_cmp(&score(a)).then_with(|| (&a.path, &a.method).cmp(&(&b.path, &b.method)))
    });
    out
}

fn summarize(resolver: &Resolver<'_>, route: &Route) -> Summary {
    let mut s = Summary {
        method: route.method.clone(),
        path: route.path.clone(),
        loc: route.loc.loc(),
        handler: String::new(),
        handler_loc: None,
        runs: 1,
        runs_from: Vec::new(),
        goroutines: 0,
        per_item: false,
        goroutines_from: Vec::new(),
        lifetime: None,
        hazards: Vec::new(),
        unresolved: Vec::new(),
        reached: Vec::new(),
        middleware: Vec::new(),
    };
    for mw in &route.middleware {
        let facts = match mw {
            HandlerRef::Inline(f) => Some(&**f),
            HandlerRef::Named(r, text) => match resolver.resolve(r) {
                Ok(f) => f,
                Err(e) => {
                    s.unresolved.push(format!("middleware {text}: {e}"));
                    None
                }
            },
        };
        if let Some(f) = facts {
            let name = match mw {
                HandlerRef::Named(_, text) => text.clone(),
                HandlerRef::Inline(_) => "func literal".into(),
            };
            let doubles = f.findings().iter().filter(|(rule, _)| *rule == "double-next").count() as u32;
            s.middleware.push(Middleware { name, loc: f.loc.loc(), doubles });
        }
        for (_, loc) in facts.iter().flat_map(|f| f.findings().iter()).filter(|(rule, _)| *rule == "double-next") {
            s.runs = s.runs.saturating_mul(2);
            let name = match mw {
                HandlerRef::Named(_, text) => text.clone(),
                HandlerRef::Inline(_) => "an inline middleware".into(),
            };
            s.runs_from.push(Factor { what: format!("{name} runs the rest of the chain twice"), loc: loc.loc() });
        }
    }
    let start = match &route.handler {
        HandlerRef::Inline(f) => {
            s.handler = "func literal".into();
            Some(&**f)
        }
        HandlerRef::Named(r, text) => {
            s.handler = text.clone();
            match resolver.resolve(r) {
                Ok(Some(f)) => {
                    s.handler = f.key.to_string();
                    s.handler_loc = Some(f.loc.loc());
                    Some(f)
                }
                Ok(None) => None,
                Err(e) => {
                    s.unresolved.push(format!("handler {text}: {e}"));
                    None
                }
            }
        }
    };
    // Follow calls breadth-first to a bounded depth; each function counts once.
    let mut seen: HashSet<*const FuncFacts> = HashSet::new();
    let mut frontier: Vec<&FuncFacts> = start.into_iter().collect();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for f in frontier {
            if !seen.insert(f as *const _) {
                continue;
            }
            s.reached.push(Reached { file: f.loc.file.to_string(), lines: (f.lines.0 as usize, f.lines.1 as usize) });
            for sp in f.spawns() {
                match sp.times {
                    Some(n) => s.goroutines = s.goroutines.saturating_add(n),
                    None => {
                        s.goroutines = s.goroutines.saturating_add(1);
                        s.per_item = true;
                    }
                }
                let how = if sp.loops.is_empty() { String::new() } else { format!(" in {}", sp.loops.join(", ")) };
                let count = sp.times.map_or("1 per input item".to_string(), |n| format!("{n}"));
                let bound = if sp.bounded { ", bounded by errgroup.SetLimit" } else { "" };
                s.goroutines_from.push(Factor {
                    what: format!("{count} goroutine(s) started in {}{how}{bound}", f.key),
                    loc: sp.loc.loc(),
                });
            }
            for t in f.timeouts() {
                if s.lifetime.as_ref().is_none_or(|(d, _)| t.duration > *d) {
                    s.lifetime = Some((t.duration, t.loc.loc()));
                }
            }
            for (rule, loc) in f.findings() {
                if matches!(
                    *rule,
                    "empty-filter" | "unbounded-read" | "unclosed-body" | "costly-log-field" | "unbounded-goroutines"
                ) {
                    s.hazards.push(Factor { what: (*rule).to_string(), loc: loc.loc() });
                }
            }
            for c in f.calls.iter() {
                match resolver.resolve(c) {
                    Ok(Some(callee)) => next.push(callee),
                    Ok(None) => {}
                    Err(e) => s.unresolved.push(format!("call {e} in {}", f.key)),
                }
            }
        }
        frontier = next;
    }
    s.unresolved.sort();
    s.unresolved.dedup();
    s
}

/// The routes whose handlers reach each function, to put the rules' findings in context: a
/// finding in a function that serves `GET /users/:id` says so, and how many times the route's
/// middleware runs it per request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contexts {
    /// Per file: the lines of each reached function and the routes (`GET /x`, runs) reaching it.
    by_file: HashMap<String, Vec<Span>>,
}

/// A reached function's first and last line, and the routes (`GET /x`, runs) reaching it.
type Span = ((usize, usize), Vec<(String, u32)>);

/// How many routes a note names before it only counts the rest.
const NOTE_ROUTES: usize = 3;

impl Contexts {
    pub fn new(summaries: &[Summary]) -> Self {
        let mut by_file: HashMap<String, Vec<Span>> = HashMap::new();
        for s in summaries {
            let route = (format!("{} {}", s.method, s.path), s.runs);
            for r in &s.reached {
                let spans = by_file.entry(r.file.clone()).or_default();
                match spans.iter_mut().find(|(lines, _)| *lines == r.lines) {
                    Some((_, routes)) if !routes.contains(&route) => routes.push(route.clone()),
                    Some(_) => {}
                    None => spans.push((r.lines, vec![route.clone()])),
                }
            }
        }
        for spans in by_file.values_mut() {
            for (_, routes) in spans.iter_mut() {
                routes.sort_by(|a, b| {
                    let key = |r: &(String, u32)| r.0.split_once(' ').map(|(m, p)| (p.to_string(), m.to_string()));
                    key(a).cmp(&key(b))
                });
            }
            spans.sort();
        }
        Contexts { by_file }
    }

    pub fn is_empty(&self) -> bool {
        self.by_file.is_empty()
    }

    /// The files whose notes differ between the two.
    pub fn changed_files(&self, other: &Contexts) -> Vec<String> {
        let mut out: Vec<String> = self
            .by_file
            .keys()
            .chain(other.by_file.keys())
            .filter(|f| self.by_file.get(*f) != other.by_file.get(*f))
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The endpoint context of a finding on `line` (1-based) of `file`, to append to its message:
    /// ` (on GET /users/:id, which runs twice per request)`. It names the routes of the innermost
    /// reached function around the line (an inline handler inside `main`, not `main`).
    pub fn note(&self, file: &str, line: usize) -> Option<String> {
        let (_, routes) = self
            .by_file
            .get(file)?
            .iter()
            .filter(|((a, b), _)| *a <= line && line <= *b)
            .min_by_key(|((a, b), _)| b - a)?;
        let same = routes.iter().all(|r| r.1 == routes[0].1);
        let mut names: Vec<String> =
            routes
                .iter()
                .take(NOTE_ROUTES)
                .map(|(name, runs)| {
                    if !same && *runs > 1 {
                        format!("{name} (runs {} per request)", times(*runs))
                    } else {
                        name.clone()
                    }
                })
                .collect();
        if routes.len() > NOTE_ROUTES {
            names.push(format!("{} more routes", routes.len() - NOTE_ROUTES));
        }
        let list = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => return None,
        };
        let runs = routes[0].1;
        let tail = match (same && runs > 1, routes.len()) {
            (false, _) => String::new(),
            (true, 1) => format!(", which runs {} per request", times(runs)),
            (true, 2) => format!(", which both run {} per request", times(runs)),
            (true, _) => format!(", which all run {} per request", times(runs)),
        };
        Some(format!(" (on {list}{tail})"))
    }
}

fn times(n: u32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// Appends the endpoint context to the messages of one file's findings, given each finding's
/// 1-based line. Run after the analysis, on its results: the findings the analysis caches stay
/// free of workspace-wide facts.
pub fn annotate(findings: &mut [Finding], file: &str, contexts: &Contexts, line_of: impl Fn(usize) -> usize) {
    if contexts.is_empty() {
        return;
    }
    for f in findings {
        if let Some(note) = contexts.note(file, line_of(f.range.start)) {
            f.message.push_str(&note);
        }
    }
}

/// The report as text: a table, then each route's factors with their places.
pub fn render(summaries: &[Summary], rps: Option<f64>, budget: f64) -> String {
    let mut out = String::new();
    if summaries.is_empty() {
        out.push_str("No routes found (gin, echo, chi and net/http registrations are recognised).\n");
        return out;
    }
    let rows: Vec<[String; 6]> = summaries
        .iter()
        .map(|s| {
            let g = format!("{}{}", if s.per_item { "≥" } else { "" }, s.goroutines_per_request());
            let life = s.lifetime.as_ref().map_or("-".into(), |(d, _)| format!("≤ {}", human_duration(*d)));
            let est = match (rps, s.live_goroutines(1.0)) {
                (Some(rps), Some(per_rps)) => {
                    let live = per_rps * rps;
                    format!(
                        "{}{}{}",
                        if s.per_item { "≥" } else { "" },
                        live.round() as u64,
                        if live > budget { " OVER" } else { "" }
                    )
                }
                (Some(_), None) => "-".into(),
                (None, _) => String::new(),
            };
            [format!("{} {}", s.method, s.path), s.handler.clone(), format!("×{}", s.runs), g, life, est]
        })
        .collect();
    let mut headers =
        ["ROUTE".to_string(), "HANDLER".into(), "RUNS".into(), "GOROUTINES/REQ".into(), "LIVE".into(), String::new()];
    if let Some(rps) = rps {
        headers[5] = format!("LIVE GOROUTINES @ {rps} rps");
    }
    let width =
        |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([headers[i].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..6).map(width).collect();
    let line = |cells: &[String; 6]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            l.push_str(c);
            if i < 5 {
                l.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&headers));
    for r in &rows {
        out.push_str(&line(r));
    }
    // A route with nothing to show still gets its section when a call could not be resolved: its
    // zeros are then not certain.
    for s in summaries.iter().filter(|s| {
        s.runs > 1 || s.goroutines > 0 || !s.hazards.is_empty() || s.lifetime.is_some() || !s.unresolved.is_empty()
    }) {
        out.push_str(&format!("\n{} {}  ({}, registered at {})\n", s.method, s.path, s.handler, s.loc));
        for f in &s.runs_from {
            out.push_str(&format!("  ×2 runs per request: {} ({})\n", f.what, f.loc));
        }
        for f in &s.goroutines_from {
            out.push_str(&format!("  goroutines: {} ({})\n", f.what, f.loc));
        }
        if s.runs > 1 && s.goroutines > 0 {
            out.push_str(&format!(
                "  = {} goroutine(s) per run × {} runs = {}{} per request\n",
                s.goroutines,
                s.runs,
                if s.per_item { "at least " } else { "" },
                s.goroutines_per_request()
            ));
        }
        if let Some((d, loc)) = &s.lifetime {
            out.push_str(&format!(
                "  lifetime: up to {} each, on a context detached from the request ({loc})\n",
                human_duration(*d)
            ));
        }
        for h in &s.hazards {
            out.push_str(&format!("  on the way: {} ({})\n", h.what, h.loc));
        }
        if let (Some(rps), Some(per_rps)) = (rps, s.live_goroutines(1.0)) {
            let live = per_rps * rps;
            let (d, _) = s.lifetime.as_ref().expect("live_goroutines needs a lifetime");
            out.push_str(&format!(
                "  at {rps} rps: {rps} × {} × {} ≈ {}{} live goroutines (Little's law){}\n",
                s.goroutines_per_request(),
                human_duration(*d),
                if s.per_item { "at least " } else { "" },
                live.round() as u64,
                if live > budget { format!(", over the budget of {}", budget as u64) } else { String::new() }
            ));
        }
        let certain = if s.per_item || !s.unresolved.is_empty() { "partly" } else { "fully" };
        out.push_str(&format!("  certainty: {certain} resolved from syntax"));
        if !s.unresolved.is_empty() {
            out.push_str(&format!("; not resolved: {}", s.unresolved.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// Parses, analyses and extracts facts for a set of files in one go (for the CLI and tests).
pub fn facts_for_texts(files: &[(String, String)], config: &crate::config::Config) -> Vec<FileFacts> {
    use rayon::prelude::*;
    // As in `check`: a file over the size limit is not parsed at all, and generated code is indexed
    // (other files call into it) but takes no part in the report.
    let skips: Vec<_> = files.iter().map(|(_, t)| config.skip(t)).collect();
    let trees: Vec<Option<Tree>> = files
        .par_iter()
        .zip(&skips)
        .map(|((_, t), skip)| {
            (!matches!(skip, Some(crate::config::Skip::TooLarge { .. }))).then(|| crate::analysis::parse(t, None))
        })
        .collect();
    let mut index = crate::analysis::index::Index::default();
    for ((name, text), tree) in files.iter().zip(&trees) {
        if let Some(tree) = tree {
            index.set_file(name, crate::analysis::index::declarations(&Source::new(text, tree)));
        }
    }
    files
        .par_iter()
        .zip(&trees)
        .zip(&skips)
        .filter_map(|(((name, text), tree), skip)| {
            let tree = tree.as_ref().filter(|_| skip.is_none())?;
            let info = crate::analysis::FileInfo::from_path(std::path::Path::new(name));
            let findings = crate::analysis::analyze_file(text, tree, config, &info, &index);
            Some(file_facts(name, &Source::new(text, tree).with_context(&info, &index), &findings))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn example() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service");
        let (files, _) = crate::walk::go_files(std::slice::from_ref(&root));
        files
            .into_iter()
            .map(|p| {
                let name = p.strip_prefix(&root).unwrap().display().to_string();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect()
    }

    #[test]
    fn the_example_service_tells_the_story_of_the_outage() {
        let facts = facts_for_texts(&example(), &Config::default());
        let report = build(&facts);
        let get = report.iter().find(|s| s.method == "GET" && s.path == "/users/:id").expect("GET /users/:id");
        assert_eq!(get.runs, 2, "the logging middleware runs the chain twice: {get:#?}");
        assert_eq!(get.goroutines, 4, "four sections, one goroutine each");
        assert_eq!(get.goroutines_per_request(), 8);
        assert!(!get.per_item);
        assert_eq!(get.lifetime.as_ref().map(|(d, _)| *d), Some(Duration::from_secs(15)));
        assert!(get.hazards.iter().any(|h| h.what == "empty-filter"), "{:?}", get.hazards);
        assert_eq!(get.live_goroutines(500.0), Some(60_000.0));
        // The worst routes come first: both paths to GetUser tie.
        assert!(report[..2].iter().all(|s| s.handler == get.handler), "{report:#?}");
        // The card endpoint is bounded and short-lived: no detached lifetime.
        let card = report.iter().find(|s| s.path == "/users/:id/card").unwrap();
        assert!(card.lifetime.is_none());
        assert!(card.goroutines_from.iter().all(|g| g.what.contains("bounded")));
        let text = render(&report, Some(500.0), 10_000.0);
        assert!(text.contains("GET /users/:id"), "{text}");
        assert!(
            text.contains("500 × 8 × 15s ≈ 60000 live goroutines (Little's law), over the budget of 10000"),
            "{text}"
        );
    }

    #[test]
    fn places_count_lines_at_every_kind_of_break_and_columns_in_characters() {
        // Without a `\r` in the text the facts take lines from tree-sitter's rows, with one from
        // the line starts of the text: both must give the rope's lines and columns.
        let lf = "package p\n\n// é\nfunc /* ü */ F() {\n\tgo g() // ü\n}\n\nfunc /* ü */ G() {}\n";
        for text in [lf.to_string(), lf.replace('\n', "\r\n"), lf.replace("\n\n// é", "\n\r// é")] {
            let facts = facts_for_texts(&[("p.go".into(), text.clone())], &Config::default());
            let rope = ropey::Rope::from_str(&text);
            let at = |place: &Place| {
                let lc = crate::text::byte_to_linecol(&rope, place.start as usize, Encoding::Utf32);
                (lc.line as u32 + 1, lc.col as u32 + 1)
            };
            let funcs = &facts[0].funcs;
            let got: Vec<_> = funcs.iter().map(|f| ((f.loc.line, f.loc.col), f.lines)).collect();
            assert_eq!(got, [((4, 14), (4, 6)), ((8, 14), (8, 8))], "{text:?}");
            assert!(funcs.iter().all(|f| at(&f.loc) == (f.loc.line, f.loc.col)), "{text:?}");
            let spawn = &funcs[0].spawns()[0].loc;
            assert_eq!(((spawn.line, spawn.col), at(spawn)), ((5, 2), (5, 2)), "{text:?}");
        }
    }

    #[test]
    fn a_goroutine_counts_the_loops_around_it_outermost_first() {
        // The loops are found from the function down to the `go` statement; the report names them
        // from the outside in, and multiplies their counts.
        let text = "package p\n\nvar regions = []string{\"a\", \"b\", \"c\", \"d\"}\n\nfunc F(xs []int) {\n\tfor _, r := range regions {\n\t\tfor i := 0; i < 3; i++ {\n\t\t\tgo work(r, i)\n\t\t}\n\t}\n\tfor range xs {\n\t\tfunc() {\n\t\t\tgo work(\"\", 0)\n\t\t}()\n\t}\n}\n";
        let facts = facts_for_texts(&[("p.go".into(), text.into())], &Config::default());
        let spawns = facts[0].funcs[0].spawns();
        let got: Vec<_> = spawns.iter().map(|s| (s.loc.line, s.times, s.loops.clone())).collect();
        let want = [
            (8, Some(12), vec!["range regions (4 items)".to_string(), "for i := 0; i < 3; i++".to_string()]),
            (13, None, vec!["range xs (one per item)".to_string()]),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_variable_built_from_itself_does_not_recurse() {
        // `conn := conn.Upgrade()` once sent the constructor lookup round in circles until the
        // stack overflowed (found in the Go standard library's net package).
        let text = "package p\n\nfunc F(conn *Conn) {\n\tconn := conn.Upgrade()\n\ta, b := b.X(), a.Y()\n\tconn.Do()\n\ta.Z()\n}\n";
        let facts = facts_for_texts(&[("p.go".into(), text.into())], &Config::default());
        let calls = &facts[0].funcs[0].calls;
        assert!(calls.iter().all(|c| matches!(**c, CallRef::Method { via: None, .. })), "{calls:?}");
        assert_eq!(calls.len(), 5, "{calls:?}");
    }

    #[test]
    fn generated_and_oversized_files_take_no_part_as_in_check() {
        let route = "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {\n\tr := gin.Default()\n\tr.GET(\"/x\", handle)\n}\n";
        let generated = format!("// Code generated by protoc-gen-go. DO NOT EDIT.\n\n{route}");
        let files = [("gen.go".to_string(), generated.clone())];
        assert!(facts_for_texts(&files, &Config::default()).is_empty());
        let included = facts_for_texts(&files, &Config { include_generated: true, ..Config::default() });
        assert_eq!(included.iter().map(|f| f.routes.len()).sum::<usize>(), 1);
        let small = Config { max_file_size: 10, ..Config::default() };
        assert!(facts_for_texts(&[("main.go".to_string(), route.to_string())], &small).is_empty());
    }

    /// The facts' walk skips subtrees without the marks of a call, a `go` statement or a `:=`: it
    /// must still visit every such node that a walk of every node visits, in the same order, on
    /// every fixture and on cut and damaged copies of them, whose syntax errors (skipped and
    /// missing tokens) a mark may not show. So must the walk for the rules' matches, which collects
    /// those nodes for each top-level item (`rules::FactNodes`) and skips subtrees by marks of its
    /// own. `GOHAZARD_MATCH_DIRS=dir1:dir2` adds real projects, whole files only.
    #[test]
    fn the_candidate_walk_visits_every_call_go_and_short_var_declaration() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs = [root.join("tests/rules"), root.join("tests/endpoints"), root.join("examples")];
        let (files, _) = crate::walk::go_files(&dirs);
        assert!(files.len() > 50, "fixtures not found under {}", root.display());
        let extra: Vec<_> = std::env::var("GOHAZARD_MATCH_DIRS")
            .unwrap_or_default()
            .split(':')
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from)
            .collect();
        let (extra, _) = crate::walk::go_files(&extra);
        let ids = &*IDS;
        let wanted = |n: Node<'_>| [ids.call, ids.go_statement, ids.short_var_declaration].contains(&n.kind_id());
        // The ids stand for the kind names that the rest of the analysis compares.
        let same_kinds = |n: Node<'_>| {
            for (id, name) in [
                (ids.call, "call_expression"),
                (ids.go_statement, "go_statement"),
                (ids.short_var_declaration, "short_var_declaration"),
                (ids.selector, "selector_expression"),
                (ids.identifier, "identifier"),
                (ids.parenthesized, "parenthesized_expression"),
            ] {
                assert_eq!(n.kind_id() == id, n.kind() == name, "{} at {}", n.kind(), n.start_byte());
            }
        };
        let boundary = |text: &str, mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let mut checked = 0;
        let whole = extra.len();
        for (i, path) in extra.into_iter().chain(files).enumerate() {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut variants = vec![text.clone()];
            for k in (1..8).filter(|_| i >= whole) {
                let cut = boundary(&text, text.len() * k / 8);
                variants.push(text[..cut].to_string());
                // A few bytes taken out of the middle of a line break its syntax there.
                let end = boundary(&text, (cut + 3).min(text.len()));
                variants.push(format!("{}{}", &text[..cut], &text[end..]));
            }
            for text in &variants {
                let tree = crate::analysis::parse(text, None);
                let mut src = Source::new(text, &tree);
                src.prepare_matches();
                let top = tree.root_node();
                let mut cursor = top.walk();
                let roots: Vec<_> = std::iter::once(top).chain(top.named_children(&mut cursor)).collect();
                for root in roots {
                    let mut all = Vec::new();
                    visit_all(root, |n| {
                        same_kinds(n);
                        all.extend(Some(n.id()).filter(|_| wanted(n)));
                    });
                    let mut candidates = Vec::new();
                    visit_fact_candidates(text, root, |n| candidates.extend(Some(n.id()).filter(|_| wanted(n))));
                    assert_eq!(candidates, all, "{} in {text:?}", path.display());
                    if root.id() != top.id() {
                        let shared = src.fact_nodes().expect("a whole file's walk collects the facts' nodes");
                        let collected: Vec<_> =
                            shared.of_item(root).expect("a top-level item").iter().map(|n| n.id()).collect();
                        assert_eq!(collected, all, "{} in {text:?}", path.display());
                    }
                    checked += all.len();
                }
            }
        }
        assert!(checked > 10_000, "only {checked} nodes checked");
    }

    #[test]
    fn routers_groups_and_frameworks() {
        let text = r#"package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"
)

func main() {
	e := echo.New()
	g := e.Group("/api", auth)
	g.GET("/items", listItems, audit)
	r := chi.NewRouter()
	r.Get("/health", health)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", createOrder)
}
"#;
        let facts = facts_for_texts(&[("main.go".into(), text.into())], &Config::default());
        let routes: Vec<_> =
            facts[0].routes.iter().map(|r| (r.method.as_str(), r.path.as_str(), r.middleware.len())).collect();
        assert_eq!(routes, [("GET", "/api/items", 2), ("GET", "/health", 0), ("POST", "/orders", 0)]);
    }
}

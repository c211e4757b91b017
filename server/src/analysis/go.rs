//! Small syntactic helpers over tree-sitter-go nodes that several rules share.

use tree_sitter::Node;

use super::Source;

/// Node kinds that start a new function body.
pub fn is_function(node: Node<'_>) -> bool {
    let (ids, id) = (&*KIND_IDS, node.kind_id());
    id == ids.function_declaration || id == ids.method_declaration || id == ids.func_literal
}

/// The innermost function (declaration, method or literal) that contains `node`, itself excluded.
pub fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if is_function(n) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// The outermost function declaration or method that contains `node` (closures included).
pub fn outermost_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut found = None;
    let mut cur = node.parent();
    while let Some(n) = cur {
        if is_function(n) {
            found = Some(n);
        }
        cur = n.parent();
    }
    found
}

/// The ancestors of `node` below `root`, outermost first (`root` included, `node` excluded), found
/// in one descent from the root. `Node::parent` itself searches down from the root on every call,
/// so walking up parent by parent costs O(depth²) and, per node of a deeply nested tree, made
/// rules quadratic or worse; this costs what one `parent` call does. Falls back to walking parents
/// if `node` is not under `root`.
pub fn ancestors<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    ancestors_within(root, node, usize::MAX).unwrap_or_default()
}

/// Like [`ancestors`], or `None` as soon as the descent has passed more than `max_functions`
/// functions (declarations, methods, literals): a rule that judges nothing that deep stops there
/// instead of descending the whole depth for each of many deeply nested nodes.
pub fn ancestors_within<'t>(root: Node<'t>, node: Node<'t>, max_functions: usize) -> Option<Vec<Node<'t>>> {
    let mut out = Vec::new();
    let mut cur = root;
    let mut functions = 0;
    while cur.id() != node.id() {
        match cur.child_with_descendant(node) {
            Some(next) if next.id() != cur.id() => {
                functions += usize::from(is_function(cur));
                if functions > max_functions {
                    return None;
                }
                out.push(cur);
                cur = next;
            }
            _ => {
                let mut up = Vec::new();
                let mut p = node.parent();
                while let Some(n) = p {
                    up.push(n);
                    p = n.parent();
                }
                up.reverse();
                return Some(up);
            }
        }
    }
    Some(out)
}

/// The functions (declarations, methods, literals) around `node`, innermost first, with one
/// descent from `root`: [`enclosing_function`] repeated outwards, without its quadratic cost.
pub fn enclosing_functions<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    ancestors(root, node).into_iter().rev().filter(|n| is_function(*n)).collect()
}

/// One declared parameter name with its type node.
#[derive(Clone, Copy, Debug)]
pub struct Param<'t> {
    pub name: Node<'t>,
    pub ty: Node<'t>,
}

/// The named parameters of a function, in order (unnamed and variadic ones are skipped).
pub fn params<'t>(func: Node<'t>) -> Vec<Param<'t>> {
    let mut out = Vec::new();
    each_param(func, |p| {
        out.push(p);
        false
    });
    out
}

/// Calls `f` with each named parameter of `func` in order, until it returns `true`; returns
/// whether it did. The parameters without a vector: [`param_binding`] asks this of every function
/// around every name that [`declaration_of`] looks up, and the endpoint facts of every function.
pub(crate) fn each_param<'t>(func: Node<'t>, mut f: impl FnMut(Param<'t>) -> bool) -> bool {
    let ids = &*FIELD_IDS;
    let Some(list) = func.child_by_field_id(ids.parameters) else { return false };
    let parameter_declaration = KIND_IDS.parameter_declaration;
    let mut cursor = list.walk();
    for decl in list.named_children(&mut cursor) {
        if decl.kind_id() != parameter_declaration {
            continue;
        }
        let Some(ty) = decl.child_by_field_id(ids.type_) else { continue };
        let mut c2 = decl.walk();
        // `children_by_field_name` looks the field's name up by string on every call.
        if decl.children_by_field_id(ids.names, &mut c2).any(|name| f(Param { name, ty })) {
            return true;
        }
    }
    false
}

/// The result types of a function, one entry per result (a shared type is repeated per name).
pub fn results<'t>(func: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    each_result(func, |ty| out.push(ty));
    out
}

/// Calls `f` with each result type of `func` in order, as [`results`] lists them, without a vector.
pub(crate) fn each_result<'t>(func: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let ids = &*FIELD_IDS;
    let Some(result) = func.child_by_field_id(ids.result) else { return };
    if result.kind_id() != KIND_IDS.parameter_list {
        f(result);
        return;
    }
    let mut cursor = result.walk();
    for decl in result.named_children(&mut cursor) {
        let Some(ty) = decl.child_by_field_id(ids.type_) else { continue };
        let mut c2 = decl.walk();
        let names = decl.children_by_field_id(ids.names, &mut c2).count().max(1);
        for _ in 0..names {
            f(ty);
        }
    }
}

/// Whether `ty` spells `pkg.Name` (or `*pkg.Name` when `pointer`), with `pkg` bound to `path`.
pub fn is_type(src: &Source<'_>, ty: Node<'_>, path: &str, name: &str, pointer: bool) -> bool {
    let ty = if pointer {
        if ty.kind() != "pointer_type" {
            return false;
        }
        match ty.named_child(0) {
            Some(t) => t,
            None => return false,
        }
    } else {
        ty
    };
    if ty.kind() != "qualified_type" {
        return false;
    }
    let ids = &*FIELD_IDS;
    let (Some(pkg), Some(n)) = (ty.child_by_field_id(ids.package), ty.child_by_field_id(ids.name_field)) else {
        return false;
    };
    src.text_of(n) == name && src.is_package(src.text_of(pkg), path)
}

/// Whether `call` is a call of `pkg.Fn` for one of `names`, with `pkg` bound to import path `path`.
pub fn is_pkg_call(src: &Source<'_>, call: Node<'_>, path: &str, names: &[&str]) -> bool {
    let ids = &*KIND_IDS;
    if call.kind_id() != ids.call_expression {
        return false;
    }
    let fields = &*FIELD_IDS;
    let Some(func) = call.child_by_field_id(fields.function) else { return false };
    if func.kind_id() != ids.selector_expression {
        return false;
    }
    let (Some(operand), Some(field)) = (func.child_by_field_id(fields.operand), func.child_by_field_id(fields.field))
    else {
        return false;
    };
    operand.kind_id() == ids.identifier
        && names.contains(&src.text_of(field))
        && src.is_package(src.text_of(operand), path)
}

/// For a call `x.Method(...)`, the receiver expression and the method name.
pub fn method_call<'a, 't>(src: &Source<'a>, call: Node<'t>) -> Option<(Node<'t>, &'a str)> {
    let ids = &*KIND_IDS;
    if call.kind_id() != ids.call_expression {
        return None;
    }
    let fields = &*FIELD_IDS;
    let func = unparen(call.child_by_field_id(fields.function)?);
    if func.kind_id() != ids.selector_expression {
        return None;
    }
    Some((func.child_by_field_id(fields.operand)?, src.text_of(func.child_by_field_id(fields.field)?)))
}

/// The argument expressions of a call.
pub fn call_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.child_by_field_id(FIELD_IDS.arguments) else { return Vec::new() };
    let mut cursor = args.walk();
    let comment = KIND_IDS.comment;
    args.named_children(&mut cursor).filter(|n| n.kind_id() != comment).collect()
}

/// Strips parentheses around an expression.
pub fn unparen(mut node: Node<'_>) -> Node<'_> {
    let parenthesized = KIND_IDS.parenthesized_expression;
    while node.kind_id() == parenthesized {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The ids of node kinds that walks over every node test. Comparing ids is much cheaper than
/// comparing [`Node::kind`], which converts a C string on every call.
pub(crate) struct KindIds {
    pub(crate) identifier: u16,
    pub(crate) function_declaration: u16,
    pub(crate) method_declaration: u16,
    pub(crate) func_literal: u16,
    pub(crate) call_expression: u16,
    pub(crate) selector_expression: u16,
    pub(crate) parenthesized_expression: u16,
    pub(crate) comment: u16,
    pub(crate) short_var_declaration: u16,
    pub(crate) var_spec: u16,
    pub(crate) range_clause: u16,
    pub(crate) receive_statement: u16,
    pub(crate) type_switch_statement: u16,
    pub(crate) var_declaration: u16,
    pub(crate) var_spec_list: u16,
    pub(crate) labeled_statement: u16,
    pub(crate) package_clause: u16,
    pub(crate) import_declaration: u16,
    pub(crate) type_declaration: u16,
    pub(crate) const_declaration: u16,
    pub(crate) block: u16,
    pub(crate) statement_list: u16,
    pub(crate) return_statement: u16,
    pub(crate) go_statement: u16,
    pub(crate) defer_statement: u16,
    pub(crate) if_statement: u16,
    pub(crate) expression_switch_statement: u16,
    pub(crate) select_statement: u16,
    pub(crate) for_statement: u16,
    pub(crate) break_statement: u16,
    pub(crate) continue_statement: u16,
    pub(crate) goto_statement: u16,
    pub(crate) parameter_declaration: u16,
    pub(crate) parameter_list: u16,
}

/// The id of the named node kind `name` of tree-sitter-go, for tables of ids looked up once.
/// Panics on a name the grammar lacks: a typo would otherwise make a test silently never match.
pub fn kind_id(name: &str) -> u16 {
    let id = tree_sitter::Language::from(tree_sitter_go::LANGUAGE).id_for_node_kind(name, true);
    assert!(id != 0, "tree-sitter-go has no node kind `{name}`");
    id
}

/// The id of the field `name` of tree-sitter-go, for tables of ids looked up once:
/// `child_by_field_name` searches the grammar's field names by string on every call.
/// Panics on a name the grammar lacks, as [`kind_id`] does.
pub fn field_id(name: &str) -> u16 {
    tree_sitter::Language::from(tree_sitter_go::LANGUAGE)
        .field_id_for_name(name)
        .unwrap_or_else(|| panic!("tree-sitter-go has no field `{name}`"))
        .get()
}

/// The ids of the node kinds that walks over many nodes compare (see [`KindIds`]).
pub(crate) static KIND_IDS: std::sync::LazyLock<KindIds> = std::sync::LazyLock::new(|| {
    let id = kind_id;
    KindIds {
        identifier: id("identifier"),
        function_declaration: id("function_declaration"),
        method_declaration: id("method_declaration"),
        func_literal: id("func_literal"),
        call_expression: id("call_expression"),
        selector_expression: id("selector_expression"),
        parenthesized_expression: id("parenthesized_expression"),
        comment: id("comment"),
        short_var_declaration: id("short_var_declaration"),
        var_spec: id("var_spec"),
        range_clause: id("range_clause"),
        receive_statement: id("receive_statement"),
        type_switch_statement: id("type_switch_statement"),
        var_declaration: id("var_declaration"),
        var_spec_list: id("var_spec_list"),
        labeled_statement: id("labeled_statement"),
        package_clause: id("package_clause"),
        import_declaration: id("import_declaration"),
        type_declaration: id("type_declaration"),
        const_declaration: id("const_declaration"),
        block: id("block"),
        statement_list: id("statement_list"),
        return_statement: id("return_statement"),
        go_statement: id("go_statement"),
        defer_statement: id("defer_statement"),
        if_statement: id("if_statement"),
        expression_switch_statement: id("expression_switch_statement"),
        select_statement: id("select_statement"),
        for_statement: id("for_statement"),
        break_statement: id("break_statement"),
        continue_statement: id("continue_statement"),
        goto_statement: id("goto_statement"),
        parameter_declaration: id("parameter_declaration"),
        parameter_list: id("parameter_list"),
    }
});

/// The ids of the fields that the helpers here look up on many nodes: `child_by_field_name`
/// compares the grammar's field names as strings on every call.
pub(crate) struct FieldIds {
    pub(crate) name_field: u16,
    /// `name` again, as `children_by_field_id` takes it.
    pub(crate) names: std::num::NonZeroU16,
    pub(crate) type_: u16,
    pub(crate) parameters: u16,
    pub(crate) result: u16,
    pub(crate) receiver: u16,
    pub(crate) function: u16,
    pub(crate) operand: u16,
    pub(crate) field: u16,
    pub(crate) arguments: u16,
    pub(crate) package: u16,
}

pub(crate) static FIELD_IDS: std::sync::LazyLock<FieldIds> = std::sync::LazyLock::new(|| FieldIds {
    name_field: field_id("name"),
    names: std::num::NonZeroU16::new(field_id("name")).expect("field ids are not zero"),
    type_: field_id("type"),
    parameters: field_id("parameters"),
    result: field_id("result"),
    receiver: field_id("receiver"),
    function: field_id("function"),
    operand: field_id("operand"),
    field: field_id("field"),
    arguments: field_id("arguments"),
    package: field_id("package"),
});

/// The id of the node kind `identifier` (see [`KindIds`]).
pub fn identifier_kind() -> u16 {
    KIND_IDS.identifier
}

/// The byte offsets where `word` occurs in `text`, overlapping occurrences included, for searches
/// that find nodes from a name in the text instead of walking the tree (a node may start inside
/// the previous occurrence: `aa` in `aaa`). Nothing for an empty word.
pub fn occurrences<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let step = word.chars().next().map_or(0, char::len_utf8);
    let mut from = if step == 0 { text.len() + 1 } else { 0 };
    std::iter::from_fn(move || {
        let at = from + text.get(from..)?.find(word)?;
        from = at + step;
        Some(at)
    })
}

/// The calls `x.method(…)` in `scope` (itself included) as [`method_call`] sees them, found from
/// the method's name in the text instead of a walk of every node of `scope`: the name is the field
/// of a selector that is, parentheses aside, the callee. In no particular order.
pub fn method_calls_in<'a, 't>(
    src: &'a Source<'_>,
    scope: Node<'t>,
    method: &'a str,
) -> impl Iterator<Item = Node<'t>> + 'a
where
    't: 'a,
{
    let start = scope.start_byte();
    occurrences(src.text_of(scope), method).filter_map(move |at| {
        let name = scope.descendant_for_byte_range(start + at, start + at + method.len())?;
        let mut callee = name.parent()?;
        loop {
            let parent = callee.parent()?;
            if parent.kind_id() != KIND_IDS.parenthesized_expression {
                let inside = scope.start_byte() <= parent.start_byte() && parent.end_byte() <= scope.end_byte();
                let named = method_call(src, parent).is_some_and(|(_, m)| m == method);
                return (inside && named).then_some(parent);
            }
            callee = parent;
        }
    })
}

/// What a preorder walk does after visiting a node.
pub enum Step {
    /// Visit the node's children next.
    Enter,
    /// Go on after the node's subtree.
    Skip,
    /// End the walk.
    Stop,
}

/// Walks `root` and its descendants in source order with a tree cursor (iteratively, so deeply
/// nested code cannot overflow the stack), letting `visit` choose at each node what comes next.
pub fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> Step) {
    let mut cursor = root.walk();
    loop {
        match visit(cursor.node()) {
            Step::Enter if cursor.goto_first_child() => continue,
            Step::Stop => return,
            Step::Enter | Step::Skip => {}
        }
        loop {
            if cursor.node().id() == root.id() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Visits `root` and its descendants in source order without entering nested function literals
/// (their bodies run at another time).
pub fn visit_in_function<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    walk_in_function(root, |node| {
        f(node);
        Step::Enter
    });
}

/// Like [`visit_in_function`], letting `visit` skip a subtree or end the walk: for searches that
/// know where their answer can lie, which would otherwise visit every node of a function once per
/// question.
pub fn walk_in_function<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> Step) {
    walk(root, |node| match visit(node) {
        Step::Enter if node.kind_id() == KIND_IDS.func_literal && node.id() != root.id() => Step::Skip,
        step => step,
    });
}

/// The offsets of a text's marks, the bytes one of the nodes a walk looks for must hold, asked in
/// document order whether a node holds one. A walk that skips the subtrees holding no mark (and no
/// syntax error) asks it at every node it visits.
pub struct Marks {
    offsets: Vec<usize>,
    /// The first mark at or after the last node's start.
    next: usize,
    last_start: usize,
}

impl Marks {
    /// Marks at `offsets`, which must be sorted.
    pub fn new(offsets: Vec<usize>) -> Marks {
        Marks { offsets, next: 0, last_start: 0 }
    }

    /// Whether a mark lies in `start..end`. Nodes come in document order, so the next mark only
    /// moves forwards; should a node ever start before the previous one, it is searched again.
    pub fn within(&mut self, start: usize, end: usize) -> bool {
        self.first_within(start, end).is_some()
    }

    /// The first mark in `start..end`, asked in document order like [`Marks::within`].
    pub fn first_within(&mut self, start: usize, end: usize) -> Option<usize> {
        if start < self.last_start {
            self.next = self.offsets.partition_point(|&m| m < start);
        }
        self.last_start = start;
        while self.offsets.get(self.next).is_some_and(|&m| m < start) {
            self.next += 1;
        }
        self.offsets.get(self.next).copied().filter(|&m| m < end)
    }
}

/// Walks `root` in document order (iteratively), entering only the subtrees that hold a mark or a
/// syntax error, and visiting within those only the children that hold a mark, all of them under
/// `root`, under a node with a syntax error and under a node for which `every_child` holds (a
/// parent whose children are looked at although their own text may hold no mark).
/// `visit(node, depth, marked)` is told how far below `root` the node is and whether it holds a
/// mark, and says whether the walk may enter it.
///
/// It visits the same nodes as a walk of every child of every entered node, less the children
/// that hold no mark (and no syntax error, as their parent would have one) under a parent
/// `every_child` does not name: the nodes a search by marks stops at, and all their ancestors, are
/// among them. Those children are most of a tree's nodes (names, selectors, literals and
/// punctuation beside a call or an assignment), and the cursor's step from sibling to sibling was
/// most of a walk's cost: the cursor jumps to the next child holding a mark instead
/// (`goto_first_child_for_byte`, which passes over whole hidden subtrees of a long list without
/// entering them).
pub fn walk_marked<'t>(
    root: Node<'t>,
    marks: &mut Marks,
    every_child: impl Fn(Node<'t>) -> bool,
    mut visit: impl FnMut(Node<'t>, usize, bool) -> bool,
) {
    let mut cursor = root.walk();
    // The entered nodes around the cursor, outermost first: where each ends, and whether each of
    // its children is visited (else only those holding a mark).
    let mut entered: Vec<(usize, bool)> = Vec::new();
    let mut node = root;
    'walk: loop {
        let depth = entered.len();
        let (start, end) = (node.start_byte(), node.end_byte());
        let mark = marks.first_within(start, end);
        if visit(node, depth, mark.is_some()) {
            let error = node.has_error();
            let every = depth == 0 || error || every_child(node);
            let moved = match mark {
                _ if every && (depth == 0 || error || mark.is_some()) => cursor.goto_first_child(),
                Some(m) => cursor.goto_first_child_for_byte(m).is_some(),
                None => false,
            };
            if moved {
                entered.push((end, every));
                node = cursor.node();
                continue;
            }
        }
        // On to the next node to visit after `node`'s subtree, without leaving `root`.
        let mut after = end;
        while let Some(&(parent_end, every)) = entered.last() {
            if every {
                if cursor.goto_next_sibling() {
                    node = cursor.node();
                    continue 'walk;
                }
            } else if let Some(m) = marks.first_within(after, parent_end) {
                cursor.goto_parent();
                if cursor.goto_first_child_for_byte(m).is_some() {
                    node = cursor.node();
                    continue 'walk;
                }
                // No child of the parent ends past the mark (it lies in a hidden token): the
                // parent is done, and the cursor already on it.
                entered.pop();
                after = parent_end;
                continue;
            }
            cursor.goto_parent();
            entered.pop();
            after = parent_end;
        }
        return;
    }
}

/// Visits every descendant of `root` (function literals included).
pub fn visit_all<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    walk(root, |node| {
        f(node);
        Step::Enter
    });
}

/// The statement that directly contains `node` inside a statement list.
pub fn enclosing_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut cur = node;
    loop {
        let parent = cur.parent()?;
        if parent.kind() == "statement_list" {
            return Some(cur);
        }
        if is_function(parent) {
            return None;
        }
        cur = parent;
    }
}

/// The statement following `stmt` in its statement list, skipping comments.
pub fn next_statement(stmt: Node<'_>) -> Option<Node<'_>> {
    let mut next = stmt.next_named_sibling();
    while let Some(n) = next {
        if n.kind() != "comment" {
            return Some(n);
        }
        next = n.next_named_sibling();
    }
    None
}

/// Whether an identifier named `name` is a parameter (or receiver) of the innermost enclosing
/// function that declares a parameter of that name, and if so that parameter.
pub fn param_binding<'t>(src: &Source<'t>, at: Node<'t>, name: &str) -> Option<Param<'t>> {
    let ids = &*FIELD_IDS;
    for func in enclosing_functions(src.root(), at) {
        let mut found = None;
        each_param(func, |p| {
            let named = src.text_of(p.name) == name;
            found = named.then_some(p);
            named
        });
        if found.is_none() {
            if let Some(recv) = func.child_by_field_id(ids.receiver) {
                let mut c = recv.walk();
                found = recv.named_children(&mut c).find_map(|decl| {
                    let (n, ty) = (decl.child_by_field_id(ids.name_field)?, decl.child_by_field_id(ids.type_)?);
                    (src.text_of(n) == name).then_some(Param { name: n, ty })
                });
            }
        }
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The identifiers on the left of an assignment or declaration `stmt` (`a, err := ...`).
pub fn assigned_names<'t>(stmt: Node<'t>) -> Vec<Node<'t>> {
    let left = match stmt.kind() {
        "short_var_declaration" | "assignment_statement" => stmt.child_by_field_name("left"),
        "var_spec" => return named_field_children(stmt, "name"),
        _ => None,
    };
    let Some(left) = left else { return Vec::new() };
    let mut cursor = left.walk();
    left.named_children(&mut cursor).collect()
}

fn named_field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}

/// If `expr` is the right-hand side (or one of them) of an assignment or declaration, that statement.
pub fn assignment_of(expr: Node<'_>) -> Option<Node<'_>> {
    let list = expr.parent()?;
    if list.kind() != "expression_list" {
        return None;
    }
    let stmt = list.parent()?;
    match stmt.kind() {
        "short_var_declaration" | "assignment_statement" if stmt.child_by_field_name("right") == Some(list) => {
            Some(stmt)
        }
        "var_spec" if stmt.child_by_field_name("value") == Some(list) => Some(stmt),
        _ => None,
    }
}

/// Whether the call never returns: `panic`, `os.Exit`, `log.Fatal*`/`log.Panic*` and the testing
/// `Fatal`/`FailNow` family. Paths ending there do not reach the function's end.
pub fn is_noreturn_call(src: &Source<'_>, call: Node<'_>) -> bool {
    let Some(func) = call.child_by_field_name("function") else { return false };
    match func.kind() {
        "identifier" => src.text_of(func) == "panic",
        "selector_expression" => {
            let operand = func.child_by_field_name("operand").map(|o| src.text_of(o)).unwrap_or("");
            let field = func.child_by_field_name("field").map(|f| src.text_of(f)).unwrap_or("");
            (operand == "os" && field == "Exit")
                || (matches!(operand, "log" | "logger" | "klog" | "logrus")
                    && (field.starts_with("Fatal") || field.starts_with("Panic")))
                || (matches!(operand, "t" | "b" | "f")
                    && matches!(field, "Fatal" | "Fatalf" | "FailNow" | "SkipNow" | "Skip" | "Skipf"))
        }
        _ => false,
    }
}

/// Where a name visible at some point was declared.
#[derive(Clone, Copy, Debug)]
pub enum Declared<'t> {
    /// A parameter or receiver of an enclosing function.
    Param(Param<'t>),
    /// A `var` or `:=` declaration (local or at file level), with its declared type and the value
    /// given to the name, each when written. Go fixes a variable's type at its declaration, so
    /// these tell the type however the variable is assigned later.
    Var { stmt: Node<'t>, ty: Option<Node<'t>>, value: Option<Node<'t>> },
    /// Any other binding (range variables, type switch aliases, received values).
    Other(Node<'t>),
}

/// The declaration of `name` that is visible at `at`: the nearest preceding declaration in a
/// scope enclosing `at` (blocks, `if`/`for`/`switch` headers and case clauses), else the parameter of
/// an enclosing function, else a `var` at file level. Visibility is approximated by position and
/// enclosing scope, which is exact for code that compiles.
pub fn declaration_of<'t>(src: &Source<'t>, at: Node<'t>, name: &str) -> Option<Declared<'t>> {
    let mut best: Option<(usize, Declared<'t>)> =
        param_binding(src, at, name).map(|p| (p.name.start_byte(), Declared::Param(p)));
    // The outermost function from one descent, and the file from the source: walking up parent by
    // parent is quadratic in the depth (see `ancestors`).
    let root = enclosing_functions(src.root(), at).last().copied().unwrap_or_else(|| src.root());
    let ids = &*KIND_IDS;
    let consider = |n: Node<'t>, best: &mut Option<(usize, Declared<'t>)>| {
        let id = n.kind_id();
        if id != ids.short_var_declaration
            && id != ids.var_spec
            && id != ids.range_clause
            && id != ids.receive_statement
            && id != ids.type_switch_statement
        {
            return;
        }
        let kind = n.kind();
        if n.start_byte() > at.start_byte()
            || n.end_byte() > at.start_byte() && kind != "type_switch_statement"
            || best.as_ref().is_some_and(|(pos, _)| *pos > n.start_byte())
        {
            return;
        }
        let scope = declaration_scope(n);
        if !scope.is_some_and(|s| s.start_byte() <= at.start_byte() && at.end_byte() <= s.end_byte()) {
            return;
        }
        let names: Vec<Node<'t>> = match kind {
            "range_clause" | "receive_statement" => {
                // Only `:=` declares; `for k, v = range` assigns names declared elsewhere.
                let declares = (0..n.child_count()).filter_map(|i| n.child(i)).any(|c| c.kind() == ":=");
                if !declares {
                    return;
                }
                n.child_by_field_name("left").map(|l| named_field_children_all(l)).unwrap_or_default()
            }
            "type_switch_statement" => {
                n.child_by_field_name("alias").map(|l| named_field_children_all(l)).unwrap_or_default()
            }
            _ => assigned_names(n),
        };
        let Some(idx) = names.iter().position(|id| id.kind() == "identifier" && src.text_of(*id) == name) else {
            return;
        };
        let value_list = match kind {
            "short_var_declaration" => n.child_by_field_name("right"),
            "var_spec" => n.child_by_field_name("value"),
            _ => None,
        };
        let decl = match kind {
            "short_var_declaration" | "var_spec" => Declared::Var {
                stmt: n,
                ty: if kind == "var_spec" { n.child_by_field_name("type") } else { None },
                value: value_list.and_then(|l| {
                    let values: Vec<Node<'t>> = named_field_children_all(l);
                    if values.len() == names.len() {
                        return Some(values[idx]);
                    }
                    // The comma-ok forms `v, ok := x.(T)`, `v, ok := m[k]`, `v, ok := <-ch` give
                    // their value to the first name.
                    let single = unparen(*values.first()?);
                    let comma_ok = matches!(single.kind(), "type_assertion_expression" | "index_expression")
                        || single.kind() == "unary_expression"
                            && single.child_by_field_name("operator").is_some_and(|o| o.kind() == "<-");
                    (values.len() == 1 && names.len() == 2 && idx == 0 && comma_ok).then_some(single)
                }),
            },
            _ => Declared::Other(n),
        };
        *best = Some((n.start_byte(), decl));
    };
    // The file is the root of the tree whatever its kind: a syntax error that swallows much of the
    // file makes the root an ERROR node instead of a `source_file`, and that must not take the
    // package-level declarations out of scope (nor make the outcome depend on how far the error
    // reaches, which no item's text tells the incremental cache).
    let at_file_level = root.id() == src.root().id();
    if at_file_level {
        // Outside functions the walk below reads the earlier top-level items: `var` declarations,
        // and the `:=` statements of a broken function that tree-sitter lifted to the top level,
        // which declare no names for the incremental cache; the order of the items counts too.
        // So the read is of any item that mentions the name.
        src.reads_file_about_for(name, at);
    }
    visit_before(root, at.start_byte(), |n| consider(n, &mut best));
    if best.is_none() && !at_file_level {
        // File-level variables: the incremental cache follows them through this note, not by
        // the names the item mentions.
        src.reads_top_level_for(name, at);
        for &decl in src.file_vars() {
            visit_all(decl, |n| {
                if n.kind() == "var_spec" && best.is_none() {
                    consider(n, &mut best);
                }
            });
        }
    }
    best.map(|(_, d)| d)
}

/// Visits, in document order, the nodes under `root` that may declare a name visible at byte
/// `at`: the nodes that start before it, without the insides of those that end before it, where
/// every declaration is scoped to a block, header or case that `at` is not in. The exceptions are
/// statements whose parts declare into the enclosing scope (`var (…)`, a labelled statement).
/// `declaration_of` used to walk the whole function for every identifier it resolved.
fn visit_before<'t>(root: Node<'t>, at: usize, mut f: impl FnMut(Node<'t>)) {
    walk(root, |n| {
        if n.start_byte() > at {
            // Every later node in document order starts later still.
            return Step::Stop;
        }
        f(n);
        let ids = &*KIND_IDS;
        let id = n.kind_id();
        if n.end_byte() > at || id == ids.var_declaration || id == ids.var_spec_list || id == ids.labeled_statement {
            Step::Enter
        } else {
            Step::Skip
        }
    });
}

/// The region where a declaration's names are visible: the innermost block, statement header or
/// case clause around it, or else the file (the root of the tree, whose kind is ERROR instead of
/// `source_file` when a syntax error swallowed much of the file).
fn declaration_scope(decl: Node<'_>) -> Option<Node<'_>> {
    let mut cur = decl.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "block"
                | "if_statement"
                | "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "expression_case"
                | "type_case"
                | "default_case"
                | "communication_case"
                | "source_file"
        ) {
            return Some(n);
        }
        let up = n.parent();
        if up.is_none() {
            return Some(n);
        }
        cur = up;
    }
    None
}

fn named_field_children_all(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect()
}

/// Whether an import path belongs to Go's standard library, by its first element.
pub fn is_standard_library(path: &str) -> bool {
    const ROOTS: &[&str] = &[
        "archive",
        "bufio",
        "bytes",
        "cmp",
        "compress",
        "container",
        "context",
        "crypto",
        "database",
        "debug",
        "embed",
        "encoding",
        "errors",
        "expvar",
        "flag",
        "fmt",
        "go",
        "hash",
        "html",
        "image",
        "index",
        "io",
        "iter",
        "log",
        "maps",
        "math",
        "mime",
        "net",
        "os",
        "path",
        "plugin",
        "reflect",
        "regexp",
        "runtime",
        "slices",
        "sort",
        "strconv",
        "strings",
        "sync",
        "syscall",
        "testing",
        "text",
        "time",
        "unicode",
        "unique",
        "unsafe",
        "weak",
    ];
    path.split('/').next().is_some_and(|root| ROOTS.contains(&root))
}

/// Code quoted in a message, kept to one line: a construct that spans lines shows its first line
/// and its last joined by `…` (`func() {…}()`, `[]string{…}`), or its first line and `…` when that
/// would still be long. A finding's message is read on one line in a terminal, a hover, a problems
/// list and a CI annotation, where a quoted function literal would otherwise spill its whole body.
pub fn snippet(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut first = text.lines().next().unwrap_or("").trim_end();
    // A comment after the opening `{`, `(` or `[` of the first line is no part of the code. Only
    // there: elsewhere `//` may be inside a string, as in a URL.
    if let Some(at) = first.match_indices("//").map(|(i, _)| i).find(|&i| {
        let before = first[..i].trim_end();
        before.ends_with(['{', '(', '[', ','])
    }) {
        first = first[..at].trim_end();
    }
    let last = text.lines().last().unwrap_or("").trim_start();
    let joined = format!("{first}…{last}");
    if joined.chars().count() <= 60 {
        return joined.into();
    }
    let cut: String = first.chars().take(59).collect();
    format!("{}…", cut.trim_end()).into()
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_keep_quoted_code_on_one_line() {
        assert_eq!(snippet("f.Close()"), "f.Close()");
        assert_eq!(snippet("func() {\n\t\t_ = f.Close()\n\t}()"), "func() {…}()");
        assert_eq!(snippet("func() { // closes f\n\t\t_ = f.Close()\n\t}()"), "func() {…}()");
        assert_eq!(snippet("[]string{\r\n\t\"a\",\r\n}"), "[]string{…}");
        assert_eq!(snippet("get(\"http://x\",\n\ty)"), "get(\"http://x\",…y)");
        let long = format!("call({},\n\tb)", "a".repeat(70));
        let short = snippet(&long);
        assert!(!short.contains('\n') && short.chars().count() == 60 && short.ends_with('…'), "{short}");
    }
}

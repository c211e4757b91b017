//! The workspace index: declarations of functions, methods and interface methods by name, across
//! files and packages, so a rule can look at a callee's parameters (`empty-filter`) and, later,
//! follow calls across files.
//!
//! Architecture invariant: the index holds only what `declarations` extracts from syntax; it is
//! rebuilt per file (`set_file`) and knows nothing of paths beyond the opaque key it is given.

use std::collections::HashMap;

use super::go::visit_all;
use super::Source;

/// One declared function, method or interface method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncDecl {
    pub name: String,
    /// The package clause of the file that declares it.
    pub package: String,
    /// The receiver's type name without `*` for methods, the interface's name for interface
    /// methods, `None` for functions.
    pub receiver: Option<String>,
    /// Parameter names in order; an unnamed parameter is the empty string.
    pub params: Vec<String>,
    /// The declared type of each parameter, as written (same length as `params`). A variadic
    /// parameter's type starts with `...`, as in `...map[string]string`.
    pub types: Vec<String>,
    /// The result types as written, one per result (`(*Claims, error)` gives two).
    pub results: Vec<String>,
}

impl FuncDecl {
    /// Whether the last parameter is variadic.
    pub fn is_variadic(&self) -> bool {
        self.types.last().is_some_and(|t| t.starts_with("..."))
    }

    /// The parameter (name and type) that receives the argument at `pos` (0-based, receiver not
    /// counted): a variadic parameter receives every argument from its position on.
    pub fn param_at(&self, pos: usize) -> Option<(&str, &str)> {
        let i = if self.is_variadic() { pos.min(self.params.len().saturating_sub(1)) } else { pos };
        Some((self.params.get(i)?.as_str(), self.types.get(i)?.as_str()))
    }

    /// Whether a call with `args` arguments can call this declaration.
    pub fn accepts(&self, args: usize) -> bool {
        if self.is_variadic() {
            args + 1 >= self.params.len()
        } else {
            args == self.params.len()
        }
    }
}

thread_local! {
    /// How many look-ups this thread made, so a check of many files can tell whether a rule's
    /// findings in a file could change once the index is complete (see [`lookups`]).
    static LOOKUPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The number of index look-ups made on this thread so far.
pub fn lookups() -> u64 {
    LOOKUPS.with(|n| n.get())
}

/// An empty index, for analyses that have none.
pub static NO_INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(Index::default);

#[derive(Clone, Debug, Default)]
pub struct Index {
    by_file: HashMap<String, Vec<FuncDecl>>,
    by_name: HashMap<String, Vec<(String, usize)>>,
    /// Bumped whenever a declaration changes, so cached findings that may depend on other files
    /// know when to be recomputed. Typing inside a function body does not change it.
    generation: u64,
}

impl Index {
    /// Replaces what the index knows of the file `key` (a path or URI).
    pub fn set_file(&mut self, key: &str, decls: Vec<FuncDecl>) {
        if self.by_file.get(key) == Some(&decls) {
            return;
        }
        self.remove_file(key);
        self.generation += 1;
        for (i, d) in decls.iter().enumerate() {
            self.by_name.entry(d.name.clone()).or_default().push((key.to_string(), i));
        }
        self.by_file.insert(key.to_string(), decls);
    }

    pub fn remove_file(&mut self, key: &str) {
        let Some(old) = self.by_file.remove(key) else { return };
        self.generation += 1;
        for d in old {
            if let Some(list) = self.by_name.get_mut(&d.name) {
                list.retain(|(k, _)| k != key);
                if list.is_empty() {
                    self.by_name.remove(&d.name);
                }
            }
        }
    }

    /// Every declaration named `name`, in no particular order.
    pub fn functions<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s FuncDecl> + 's {
        LOOKUPS.with(|n| n.set(n.get() + 1));
        self.by_name.get(name).into_iter().flatten().filter_map(|(k, i)| self.by_file.get(k).and_then(|v| v.get(*i)))
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.by_file.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The names and declared types of a parameter list, one entry per parameter.
fn param_names(src: &Source<'_>, list: Option<tree_sitter::Node<'_>>) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut types = Vec::new();
    let Some(list) = list else { return (out, types) };
    let mut cursor = list.walk();
    for decl in list.named_children(&mut cursor) {
        if !matches!(decl.kind(), "parameter_declaration" | "variadic_parameter_declaration") {
            continue;
        }
        let mut c2 = decl.walk();
        let names: Vec<_> = decl.children_by_field_name("name", &mut c2).map(|n| src.text_of(n).to_string()).collect();
        let ty = decl.child_by_field_name("type").map(|t| src.text_of(t)).unwrap_or("");
        let ty = if decl.kind() == "variadic_parameter_declaration" { format!("...{ty}") } else { ty.to_string() };
        let count = names.len().max(1);
        if names.is_empty() {
            out.push(String::new());
        } else {
            out.extend(names);
        }
        types.extend(std::iter::repeat_n(ty, count));
    }
    (out, types)
}

fn receiver_type(src: &Source<'_>, recv: tree_sitter::Node<'_>) -> Option<String> {
    let decl = recv.named_child(0)?;
    let mut ty = decl.child_by_field_name("type")?;
    if ty.kind() == "pointer_type" {
        ty = ty.named_child(0)?;
    }
    if ty.kind() == "generic_type" {
        ty = ty.child_by_field_name("type")?;
    }
    Some(src.text_of(ty).to_string())
}

/// The result types of a signature's `result` field, one per result.
fn result_types(src: &Source<'_>, result: Option<tree_sitter::Node<'_>>) -> Vec<String> {
    let Some(result) = result else { return Vec::new() };
    if result.kind() != "parameter_list" {
        return vec![src.text_of(result).to_string()];
    }
    let (names, types) = param_names(src, Some(result));
    debug_assert_eq!(names.len(), types.len());
    types
}

/// Extracts the declarations of one file.
pub fn declarations(src: &Source<'_>) -> Vec<FuncDecl> {
    let root = src.root();
    let package = {
        let mut cursor = root.walk();
        let clause = root.named_children(&mut cursor).find(|n| n.kind() == "package_clause");
        clause.and_then(|c| c.named_child(0)).map(|n| src.text_of(n).to_string()).unwrap_or_default()
    };
    let mut out = Vec::new();
    // Functions and methods are always top-level; interface methods live in top-level type
    // declarations. Walking only those keeps this cheap enough to run on every keystroke.
    let mut cursor = root.walk();
    let items: Vec<_> = root.named_children(&mut cursor).collect();
    let mut visit = |n: tree_sitter::Node<'_>| {
        let (name, receiver, params) = match n.kind() {
            "function_declaration" => (n.child_by_field_name("name"), None, n.child_by_field_name("parameters")),
            "method_declaration" => (
                n.child_by_field_name("name"),
                n.child_by_field_name("receiver").and_then(|r| receiver_type(src, r)),
                n.child_by_field_name("parameters"),
            ),
            "method_elem" => {
                // An interface method: the receiver is the interface's type name.
                let iface = n.parent().and_then(|i| i.parent()).filter(|t| t.kind() == "type_spec");
                let iface_name = iface.and_then(|t| t.child_by_field_name("name")).map(|x| src.text_of(x).to_string());
                (n.child_by_field_name("name"), iface_name, n.child_by_field_name("parameters"))
            }
            _ => return,
        };
        let Some(name) = name else { return };
        let (params, types) = param_names(src, params);
        let results = result_types(src, n.child_by_field_name("result"));
        out.push(FuncDecl {
            name: src.text_of(name).to_string(),
            package: package.clone(),
            receiver,
            params,
            types,
            results,
        });
    };
    for item in items {
        match item.kind() {
            "function_declaration" | "method_declaration" => visit(item),
            "type_declaration" => visit_all(item, &mut visit),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    #[test]
    fn functions_methods_and_interface_methods_are_indexed_and_replaced() {
        let text = "package toolbox\n\
            func GetInfo(userID, scope string, filter map[string]string) {}\n\
            func (s *Store) Find(ctx context.Context, where map[string]any, _ int) {}\n\
            type Finder interface { Find(ctx context.Context, query map[string]any) error }\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let mut index = Index::default();
        index.set_file("a.go", declarations(&src));
        let get: Vec<_> = index.functions("GetInfo").collect();
        assert_eq!(get[0].params, ["userID", "scope", "filter"]);
        assert_eq!(get[0].types, ["string", "string", "map[string]string"]);
        assert_eq!(get[0].package, "toolbox");
        assert!(get[0].accepts(3) && !get[0].accepts(2));
        assert!(get[0].results.is_empty());
        let mut finds: Vec<_> =
            index.functions("Find").map(|d| (d.receiver.clone().unwrap(), d.params.clone())).collect();
        finds.sort();
        assert_eq!(finds[0], ("Finder".to_string(), vec!["ctx".to_string(), "query".to_string()]));
        assert_eq!(finds[1], ("Store".to_string(), vec!["ctx".to_string(), "where".to_string(), "_".to_string()]));
        let text = "package store\nfunc Find(int, ...map[string]any) {}\n";
        let tree = parse(text, None);
        let variadic = declarations(&Source::new(text, &tree)).remove(0);
        assert_eq!(variadic.params, ["", ""]);
        assert_eq!(variadic.types, ["int", "...map[string]any"]);
        assert!(variadic.accepts(1) && variadic.accepts(4));
        assert_eq!(variadic.param_at(3), Some(("", "...map[string]any")));
        index.set_file("a.go", Vec::new());
        assert!(index.is_empty());
        assert_eq!(index.functions("GetInfo").count(), 0);
    }
}

//! Per-factor fixtures of the amplification report: each directory under `tests/endpoints/` is a
//! small service in several packages isolating one factor, with the report it must produce in
//! `expected.txt` (at 100 requests per second). `GOHAZARD_UPDATE_GOLDEN=1` rewrites the expected
//! reports; review the diff, the numbers in them are the assertions.

use std::path::{Path, PathBuf};

use gohazard::config::Config;
use gohazard::endpoints::{self, Summary};

const RPS: f64 = 100.0;
const BUDGET: f64 = 10_000.0;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/endpoints")
}

/// The case's Go files, named relative to its directory.
fn texts(case: &str) -> Vec<(String, String)> {
    let dir = root().join(case);
    let (files, errors) = gohazard::walk::go_files(std::slice::from_ref(&dir));
    assert!(errors.is_empty(), "{errors:?}");
    let mut out: Vec<_> = files
        .into_iter()
        .map(|p| (p.strip_prefix(&dir).unwrap().display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

fn report(case: &str) -> Vec<Summary> {
    endpoints::build(&endpoints::facts_for_texts(&texts(case), &Config::default()))
}

fn only(case: &str) -> Summary {
    let mut r = report(case);
    assert_eq!(r.len(), 1, "one route in {case}: {r:#?}");
    r.remove(0)
}

#[test]
fn every_case_renders_its_expected_report() {
    let mut cases: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    let update = std::env::var_os("GOHAZARD_UPDATE_GOLDEN").is_some();
    let mut failed = Vec::new();
    for case in &cases {
        let text = endpoints::render(&report(case), Some(RPS), BUDGET);
        let path = root().join(case).join("expected.txt");
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if text != expected {
            failed.push(format!("== {case}: expected\n{expected}\n== got\n{text}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn double_next_doubles_the_runs_and_the_goroutines() {
    let s = only("double_next");
    assert_eq!((s.method.as_str(), s.path.as_str()), ("GET", "/orders/:id"));
    assert_eq!(s.runs, 2);
    assert_eq!(s.runs_from.len(), 1);
    assert_eq!(s.runs_from[0].loc.file, "mw/timing.go");
    assert_eq!(s.runs_from[0].loc.line, 10, "the second Next");
    assert_eq!((s.goroutines, s.goroutines_per_request()), (1, 2));
    assert!(s.unresolved.is_empty() && !s.per_item);
}

#[test]
fn constant_fan_out_adds_up_across_packages() {
    let s = only("constant_fanout");
    assert_eq!(s.handler, "api.Prices");
    assert_eq!(s.runs, 1);
    assert_eq!(s.goroutines, 5, "3 from the counted loop, 2 from the regions literal: {s:#?}");
    assert!(!s.per_item);
    let files: Vec<_> = s.goroutines_from.iter().map(|g| g.loc.file.as_str()).collect();
    assert_eq!(files, ["api/prices.go", "fanout/regions.go"]);
    assert!(s.lifetime.is_none());
}

#[test]
fn a_loop_over_input_is_a_lower_bound_per_item() {
    let s = only("per_item");
    assert_eq!((s.method.as_str(), s.goroutines), ("POST", 1));
    assert!(s.per_item, "the count depends on the request");
    assert!(s.goroutines_from[0].what.contains("1 per input item"), "{:?}", s.goroutines_from);
    assert!(s.goroutines_from[0].what.contains("range items (one per item)"), "{:?}", s.goroutines_from);
}

#[test]
fn an_errgroup_limit_is_shown_as_a_bound() {
    let s = only("errgroup_limit");
    assert_eq!(s.goroutines, 4);
    assert!(s.goroutines_from.iter().all(|g| g.what.contains("bounded by errgroup.SetLimit")));
    assert_eq!(s.live_goroutines(RPS), None, "no detached lifetime, no Little's law estimate");
}

#[test]
fn a_detached_timeout_two_calls_down_sets_the_lifetime() {
    let s = only("detached_timeout");
    let (d, loc) = s.lifetime.clone().expect("a lifetime");
    assert_eq!(d, std::time::Duration::from_secs(30));
    assert_eq!((loc.file.as_str(), loc.line), ("store/save.go", 10));
    assert_eq!(s.goroutines, 1);
    assert_eq!(s.live_goroutines(RPS), Some(3000.0), "100 rps × 1 × 30 s");
}

#[test]
fn an_ambiguous_callee_is_reported_not_guessed() {
    let s = only("unresolved");
    assert_eq!(s.goroutines, 0, "Disk.Load's goroutines are not counted: it may be Memory.Load");
    assert_eq!(s.unresolved, ["call Load (2 candidates) in api.Report"]);
    let text = endpoints::render(&[s], None, BUDGET);
    assert!(text.contains("not resolved: call Load (2 candidates) in api.Report"), "{text}");
}

#[test]
fn an_interface_with_one_implementation_resolves_to_it() {
    let s = only("interface");
    assert_eq!(s.handler, "(*api.Handlers).List");
    // Repo has one implementation (Postgres; Cache lacks One): its two goroutines and 5 s count.
    assert_eq!(s.goroutines, 2, "{s:#?}");
    assert!(s.goroutines_from[0].what.contains("(*store.Postgres).All"), "{:?}", s.goroutines_from);
    assert_eq!(s.lifetime.as_ref().map(|(d, _)| d.as_secs()), Some(5));
    // Notifier has two: the call is reported, not resolved.
    assert_eq!(s.unresolved, ["call Send on interface Notifier (2 implementations) in (*api.Handlers).List"]);
}

/// `gohazard check` on the example service: the same ten hazards, those on a route's way saying
/// which route and how many times it runs.
#[test]
fn check_puts_findings_in_their_endpoint_context() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gohazard"))
        .args(["check", "examples/"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let findings: Vec<&str> = text.lines().filter(|l| l.contains(": warning[") || l.contains(": error[")).collect();
    assert_eq!(findings.len(), 10, "{text}");
    assert!(text.ends_with("Found 10 hazards in 3 files (6 with a fix).\n"), "{text}");
    let line = |prefix: &str| *findings.iter().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix}"));
    // Reached from GetUser, which both GET routes serve behind the doubling middleware.
    assert!(
        line("examples/service/handlers/users.go:99:46: warning[empty-filter]")
            .ends_with("(on GET /special/users/:id and GET /users/:id, which both run twice per request)"),
        "{text}"
    );
    assert!(
        line("examples/service/handlers/users.go:150:15: warning[unbounded-read]")
            .ends_with("(on PUT /users/:id, which runs twice per request)"),
        "{text}"
    );
    // Two calls down, in another package, from three routes.
    assert!(
        line("examples/service/upstream/client.go:51:15: warning[unbounded-read]").ends_with(
            "(on GET /special/users/:id, GET /users/:id and GET /users/:id/card, which all run twice per request)"
        ),
        "{text}"
    );
    // The middleware itself is on no handler's way: no context.
    assert!(line("examples/service/middleware/logging.go:30:3: error[double-next]").ends_with("twice per request"));
    assert!(!line("examples/service/middleware/logging.go:30:3: error[double-next]").contains("(on "));
    // Machine-readable output carries the same message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gohazard"))
        .args(["check", "--format", "json", "examples/"])
        .current_dir(&root)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let empty = json.as_array().unwrap().iter().find(|f| f["rule"] == "empty-filter").unwrap();
    assert!(empty["message"].as_str().unwrap().ends_with("which both run twice per request)"), "{empty}");
}

/// A note names the routes of the function around the line, and only of functions a handler reaches.
#[test]
fn contexts_name_the_routes_of_the_innermost_reached_function() {
    let facts = endpoints::facts_for_texts(&texts("double_next"), &Config::default());
    let contexts = endpoints::Contexts::new(&endpoints::build(&facts));
    // GetOrder spans lines 6-12 of api/orders.go.
    assert_eq!(
        contexts.note("api/orders.go", 8).as_deref(),
        Some(" (on GET /orders/:id, which runs twice per request)")
    );
    assert_eq!(contexts.note("api/orders.go", 3), None, "the import block is in no function");
    assert_eq!(contexts.note("mw/timing.go", 10), None, "middleware is not on the handler's way");
    let facts = endpoints::facts_for_texts(&texts("constant_fanout"), &Config::default());
    let contexts = endpoints::Contexts::new(&endpoints::build(&facts));
    assert_eq!(contexts.note("fanout/regions.go", 15).as_deref(), Some(" (on GET /prices)"));
    assert!(endpoints::Contexts::new(&[]).is_empty());
}

/// The language server keeps each file's facts and replaces only the changed file's; this does the
/// same through a sequence of edits, moves, additions and deletions, and checks after each step that
/// the report equals the one built from scratch over the files as they now are.
#[test]
fn facts_kept_per_file_equal_facts_built_from_scratch_after_changes() {
    use gohazard::analysis::index::{declarations, Index};
    use gohazard::analysis::{analyze_file, parse, FileInfo, Source};
    use std::collections::BTreeMap;

    struct Kept {
        texts: BTreeMap<String, String>,
        index: Index,
        facts: BTreeMap<String, endpoints::FileFacts>,
    }
    impl Kept {
        fn extract(&mut self, name: &str) {
            let text = &self.texts[name];
            let tree = parse(text, None);
            let info = FileInfo::from_path(Path::new(name));
            let findings = analyze_file(text, &tree, &Config::default(), &info, &self.index);
            let src = Source::new(text, &tree).with_context(&info, &self.index);
            self.facts.insert(name.to_string(), endpoints::file_facts(name, &src, &findings));
        }
        fn set(&mut self, name: &str, text: String) {
            let tree = parse(&text, None);
            self.index.set_file(name, declarations(&Source::new(&text, &tree)));
            self.texts.insert(name.to_string(), text);
            self.extract(name);
        }
        fn remove(&mut self, name: &str) {
            self.index.remove_file(name);
            self.texts.remove(name);
            self.facts.remove(name);
        }
        fn check(&self, step: &str) -> Vec<Summary> {
            let kept: Vec<_> = self.facts.values().cloned().collect();
            let texts: Vec<_> = self.texts.iter().map(|(n, t)| (n.clone(), t.clone())).collect();
            let scratch = endpoints::build(&endpoints::facts_for_texts(&texts, &Config::default()));
            let kept = endpoints::build(&kept);
            assert_eq!(kept, scratch, "after {step}");
            kept
        }
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service");
    let (files, _) = gohazard::walk::go_files(std::slice::from_ref(&root));
    let mut kept = Kept { texts: BTreeMap::new(), index: Index::default(), facts: BTreeMap::new() };
    // As the server's scan: every file's declarations first, then the facts.
    for p in &files {
        let name = p.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(p).unwrap();
        let tree = parse(&text, None);
        kept.index.set_file(&name, declarations(&Source::new(&text, &tree)));
        kept.texts.insert(name, text);
    }
    let names: Vec<String> = kept.texts.keys().cloned().collect();
    for n in &names {
        kept.extract(n);
    }
    let get = |r: &[Summary]| r.iter().find(|s| s.method == "GET" && s.path == "/users/:id").cloned().unwrap();
    assert_eq!(get(&kept.check("the scan")).goroutines_per_request(), 8);

    // An edit: the middleware's second Next removed.
    let mw = kept.texts["middleware/logging.go"].replacen("\t\tctx.Next()\n\t}\n}", "\t}\n}", 1);
    kept.set("middleware/logging.go", mw);
    assert_eq!(get(&kept.check("removing the second Next")).runs, 1);

    // A move: the upstream client to another file name.
    let client = kept.texts["upstream/client.go"].clone();
    kept.remove("upstream/client.go");
    kept.set("upstream/transport.go", client);
    let s = get(&kept.check("moving the client"));
    assert!(s.hazards.iter().any(|h| h.loc.file == "upstream/transport.go"), "{:?}", s.hazards);

    // A new file registering routes on a router it is given, and an edit adding a section.
    let admin =
        "package admin\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n\n\t\"example.com/userservice/handlers\"\n)\n\n\
        func Register(r *gin.Engine, users *handlers.Users) {\n\tr.GET(\"/admin/users/:id\", users.GetUser)\n}\n";
    kept.set("admin/routes.go", admin.to_string());
    let users = kept.texts["handlers/users.go"].replacen("\"activity\"}", "\"activity\", \"billing\"}", 1);
    kept.set("handlers/users.go", users);
    let r = kept.check("adding a route file and a section");
    let admin_route = r.iter().find(|s| s.path == "/admin/users/:id").expect("the new route");
    assert_eq!(admin_route.goroutines, 5, "five sections now: {admin_route:#?}");
    assert_eq!(get(&r).goroutines, 5);

    // The middleware typed back, and the new file deleted.
    let mw = kept.texts["middleware/logging.go"].replacen("\t}\n}", "\t\tctx.Next()\n\t}\n}", 1);
    kept.set("middleware/logging.go", mw);
    kept.remove("admin/routes.go");
    let r = kept.check("restoring the middleware and deleting the route file");
    assert_eq!(get(&r).goroutines_per_request(), 10);
    assert!(r.iter().all(|s| s.path != "/admin/users/:id"));
}

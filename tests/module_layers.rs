//! The crate's shape, kept: `src/` read the way the compiler resolves paths (`use` trees with their
//! brace groups expanded, and `crate::` / `super::` / `self::` paths anywhere in the code; comments,
//! string literals and `#[cfg(test)]` items left out) gives a graph of modules, one per file. The
//! test fails naming the cycle when two modules import each other through any chain, and naming the
//! module when it uses a layer above its own (`LAYERS`, bottom first).
//!
//! A folder's `mod.rs` and the files below it are not compared with each other (a parent declares
//! and re-exports its children; a child uses its parent's items): cycles are looked for between
//! siblings and across folders. `lib.rs` is the crate's front, above every layer; no layer may use
//! it. `main.rs` is a crate of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first: a module may use modules of its own layer and of the layers before it.
const LAYERS: &[&str] = &["wire", "connect", "table", "lambda"];

/// A module path, `["wire", "request", "checks"]`; the crate root is empty.
type Module = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// Rust source as tokens, without comments, literals and lifetimes (enough to follow paths).
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'b' || c == 'c') && next == Some('"')) {
            i += if c == '"' { 1 } else { 2 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if (c == 'r' || ((c == 'b' || c == 'c') && next == Some('r')))
            && matches!(chars.get(i + if c == 'r' { 1 } else { 2 }), Some('"' | '#'))
        {
            // Raw string: r#"..."#, as many #s at the end as at the start.
            i += if c == 'r' { 1 } else { 2 };
            let mut hashes = 0;
            while chars.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            if chars.get(i) != Some(&'"') {
                // `r#ident`: a raw identifier.
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
                continue;
            }
            i += 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a): skip either.
            if next == Some('\\') {
                // Past the quote, the backslash and the escaped character (`'\''` too).
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                // `0..n`: a range, not a decimal point.
                if chars[i] == '.' && chars.get(i + 1) == Some(&'.') {
                    break;
                }
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push(Token::PathSep);
            i += 2;
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

fn is_ident(t: Option<&Token>, name: &str) -> bool {
    matches!(t, Some(Token::Ident(s)) if s == name)
}

/// Index just past the item starting at `i` (a `use` to its `;`, anything else to its `;` or to
/// the end of its first top-level `{...}` block).
fn item_end(toks: &[Token], mut i: usize) -> usize {
    let is_use = is_ident(toks.get(i), "use") || is_ident(toks.get(i + 1), "use");
    let mut depth = 0i32;
    while i < toks.len() {
        match &toks[i] {
            Token::Punct('{' | '(' | '[') => depth += 1,
            Token::Punct('}' | ')' | ']') => {
                depth -= 1;
                if depth == 0 && !is_use && toks[i] == Token::Punct('}') {
                    return i + 1;
                }
            }
            Token::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The tokens without `#[cfg(test)]` items; also the names of test modules declared as `mod x;`
/// (their files are left out too).
fn without_test_items(toks: Vec<Token>) -> (Vec<Token>, BTreeSet<String>) {
    let cfg_test = |i: usize| {
        toks.get(i) == Some(&Token::Punct('#'))
            && toks.get(i + 1) == Some(&Token::Punct('['))
            && is_ident(toks.get(i + 2), "cfg")
            && toks.get(i + 3) == Some(&Token::Punct('('))
            && is_ident(toks.get(i + 4), "test")
            && toks.get(i + 5) == Some(&Token::Punct(')'))
            && toks.get(i + 6) == Some(&Token::Punct(']'))
    };
    let (mut kept, mut test_mods, mut i) = (Vec::new(), BTreeSet::new(), 0);
    while i < toks.len() {
        if !cfg_test(i) {
            kept.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        // Further attributes of the same item.
        while toks.get(i) == Some(&Token::Punct('#')) {
            i = attribute_end(&toks, i);
        }
        let start = i;
        if is_ident(toks.get(i), "pub") {
            i += 1;
            if toks.get(i) == Some(&Token::Punct('(')) {
                while i < toks.len() && toks[i] != Token::Punct(')') {
                    i += 1;
                }
                i += 1;
            }
        }
        if is_ident(toks.get(i), "mod") && toks.get(i + 2) == Some(&Token::Punct(';')) {
            if let Some(Token::Ident(name)) = toks.get(i + 1) {
                test_mods.insert(name.clone());
            }
        }
        i = item_end(&toks, start);
    }
    (kept, test_mods)
}

/// Index just past the attribute `#[...]` starting at `i`.
fn attribute_end(toks: &[Token], i: usize) -> usize {
    let mut j = i + 1;
    let mut depth = 0;
    while j < toks.len() {
        match toks[j] {
            Token::Punct('[') => depth += 1,
            Token::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    j
}

/// The paths of a use tree or path expression starting at `i`, brace groups expanded; and the
/// index after it. `self` inside a group names the group's prefix.
fn paths_at(toks: &[Token], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        match toks.get(i) {
            Some(Token::Ident(s)) => {
                prefix.push(s.clone());
                i += 1;
            }
            Some(Token::Punct('{')) => {
                let mut out = Vec::new();
                i += 1;
                while i < toks.len() && toks[i] != Token::Punct('}') {
                    if toks[i] == Token::Punct(',') {
                        i += 1;
                        continue;
                    }
                    let (inner, next) = paths_at(toks, i);
                    for p in inner {
                        let mut full = prefix.clone();
                        full.extend(p.into_iter().filter(|s| s != "self"));
                        out.push(full);
                    }
                    i = next;
                    // Skip `as name`.
                    if is_ident(toks.get(i), "as") {
                        i += 2;
                    }
                }
                return (out, i + 1);
            }
            Some(Token::Punct('*')) => return (vec![prefix], i + 1),
            _ => return (vec![prefix], i),
        }
        if toks.get(i) == Some(&Token::PathSep) {
            i += 1;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// The module path of a file under `src`: `a/mod.rs` and `a.rs` are `a`, `lib.rs` the root.
fn module_of(rel: &Path) -> Option<Module> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?.strip_suffix(".rs")?.to_string();
    if parts.is_empty() && last == "main" {
        return None;
    }
    if !(parts.is_empty() && last == "lib") && last != "mod" {
        parts.push(last);
    }
    Some(parts)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// One module is the other's ancestor (or the same module).
fn related(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The modules each module of `src` uses.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut texts: BTreeMap<Module, (Vec<Token>, BTreeSet<String>)> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(file.strip_prefix(src).unwrap()) else { continue };
        let (toks, test_mods) = without_test_items(tokens(&fs::read_to_string(file).unwrap()));
        texts.insert(module, (toks, test_mods));
    }
    // Files of test modules (`#[cfg(test)] mod x;`) are left out.
    let test_files: BTreeSet<Module> = texts
        .iter()
        .flat_map(|(m, (_, test_mods))| test_mods.iter().map(move |t| [m.clone(), vec![t.clone()]].concat()))
        .collect();
    texts.retain(|m, _| !test_files.iter().any(|t| m.starts_with(t)));
    let known: BTreeSet<Module> = texts.keys().cloned().collect();

    let mut graph = BTreeMap::new();
    for (module, (toks, _)) in &texts {
        // Child modules declared here: `use child::x` is relative to this module.
        let children: BTreeSet<&str> = toks
            .windows(2)
            .filter_map(|w| match (&w[0], &w[1]) {
                (Token::Ident(m), Token::Ident(n)) if m == "mod" => Some(n.as_str()),
                _ => None,
            })
            .collect();
        let mut uses = BTreeSet::new();
        let mut i = 0;
        while i < toks.len() {
            let starts_path = match &toks[i] {
                Token::Ident(s) => {
                    // `$crate` (in macros) lexes as `$` `crate`; a segment after `::` is no path's start.
                    let after_sep = i > 0 && toks[i - 1] == Token::PathSep;
                    let head = matches!(s.as_str(), "crate" | "super" | "self") || children.contains(s.as_str());
                    head && !after_sep && toks.get(i + 1) == Some(&Token::PathSep)
                }
                _ => false,
            };
            if !starts_path {
                i += 1;
                continue;
            }
            let (paths, next) = paths_at(toks, i);
            for path in paths {
                if let Some(target) = resolve(module, &path, &known) {
                    if !related(module, &target) || target.is_empty() {
                        uses.insert(target);
                    }
                }
            }
            i = next.max(i + 1);
        }
        uses.remove(module);
        graph.insert(module.clone(), uses);
    }
    graph
}

/// The module a path names (its longest prefix that is a module), seen from `module`.
fn resolve(module: &[String], path: &[String], known: &BTreeSet<Module>) -> Option<Module> {
    let mut base: Module = module.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    let full: Module = base.into_iter().chain(rest.iter().cloned()).collect();
    (0..=full.len()).rev().map(|n| full[..n].to_vec()).find(|m| known.contains(m))
}

/// A cycle in the graph, as `a -> b -> a`, if there is one.
fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        m: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        marks: &mut BTreeMap<Module, Mark>,
        path: &mut Vec<Module>,
    ) -> Option<String> {
        marks.insert(m.clone(), Mark::Open);
        path.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let start = path.iter().position(|p| p == next).unwrap();
                    let cycle: Vec<String> =
                        path[start..].iter().chain(std::iter::once(next)).map(|p| name(p)).collect();
                    return Some(cycle.join(" -> "));
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(c) = visit(next, graph, marks, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        marks.insert(m.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for m in graph.keys() {
        if !marks.contains_key(m) {
            if let Some(c) = visit(m, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// Every problem of the tree at `src`: a module outside the layers, a use of a higher layer or of
/// the crate root, an import cycle.
fn problems(src: &Path) -> Vec<String> {
    let graph = graph(src);
    let layer = |m: &Module| m.first().and_then(|top| LAYERS.iter().position(|l| l == top));
    let mut out = Vec::new();
    for (module, uses) in &graph {
        if module.is_empty() {
            continue;
        }
        let Some(own) = layer(module) else {
            out.push(format!("{} is in no layer: put it in one of {LAYERS:?}", name(module)));
            continue;
        };
        for used in uses {
            match layer(used) {
                _ if used.is_empty() => {
                    out.push(format!("{} uses the crate root (lib.rs), which is above every layer", name(module)))
                }
                Some(l) if l > own => out.push(format!(
                    "{} (layer {}) uses {} of the higher layer {}",
                    name(module),
                    LAYERS[own],
                    name(used),
                    LAYERS[l]
                )),
                _ => {}
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        out.push(format!("import cycle: {cycle}"));
    }
    out
}

#[test]
fn the_crate_has_no_import_cycle_and_each_layer_uses_only_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    // The checker did read the tree: the layers use each other as the picture says.
    let uses = |a: &str, b: &str| {
        let (a, b): (Module, Module) =
            (a.split("::").map(String::from).collect(), b.split("::").map(String::from).collect());
        graph.get(&a).is_some_and(|u| u.contains(&b))
    };
    assert!(uses("lambda::handler", "table"), "{graph:?}");
    assert!(uses("table::read", "wire::request"), "{graph:?}");
    assert!(uses("connect::clients", "wire::error"), "{graph:?}");
    let problems = problems(&src);
    assert!(problems.is_empty(), "the crate's module structure:\n{}", problems.join("\n"));
}

/// A scratch `src/` tree that is removed when dropped.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str, files: &[(&str, &str)]) -> Tree {
        let root = std::env::temp_dir().join(format!("module-layers-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, text) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Tree(root)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const LIB: (&str, &str) = ("lib.rs", "pub mod wire;\npub mod table;\n");
const WIRE: (&str, &str) = ("wire/mod.rs", "pub mod a;\npub mod b;\npub use a::A;\n");
const TABLE: (&str, &str) = ("table/mod.rs", "use crate::wire::a::A;\npub struct T;\n");

#[test]
fn the_checker_names_a_cycle_between_sibling_modules() {
    let tree = Tree::new(
        "cycle",
        &[
            LIB,
            WIRE,
            TABLE,
            ("wire/a.rs", "use crate::wire::{b::B, self as w};\npub struct A;\n"),
            ("wire/b.rs", "pub struct B;\npub fn f() -> super::a::A { super::a::A }\n"),
        ],
    );
    assert_eq!(problems(&tree.0), vec!["import cycle: wire::a -> wire::b -> wire::a".to_string()]);
}

#[test]
fn the_checker_names_a_use_of_a_higher_layer_even_inside_an_expression() {
    let tree = Tree::new(
        "upward",
        &[
            LIB,
            WIRE,
            TABLE,
            ("wire/a.rs", "pub struct A;\n"),
            ("wire/b.rs", "pub fn f() { let _ = crate::table::T; }\n"),
        ],
    );
    assert_eq!(problems(&tree.0), vec!["wire::b (layer wire) uses table of the higher layer table".to_string()]);
}

#[test]
fn the_checker_ignores_comments_strings_and_test_code() {
    let b = r##"
//! Doc: `use crate::table::T;`
// use crate::table::T;
/* crate::table::T /* nested */ crate::table::T */
pub const S: &str = "crate::table::T";
pub const R: &str = r#"crate::table::T "quoted" "#;
pub const C: char = '"';
pub fn f<'a>(x: &'a str) -> &'a str { x }
#[cfg(test)]
mod tests {
    use crate::table::T;
    fn g() { let _ = crate::table::T; }
}
#[cfg(test)]
mod more;
"##;
    let tree = Tree::new(
        "ignored",
        &[
            LIB,
            WIRE,
            TABLE,
            ("wire/a.rs", "pub struct A;\n"),
            ("wire/b.rs", b),
            ("wire/b/more.rs", "use crate::table::T;\n"),
        ],
    );
    assert_eq!(problems(&tree.0), Vec::<String>::new());
}

#[test]
fn the_checker_wants_every_module_in_a_layer_and_none_using_the_root() {
    let tree = Tree::new(
        "outside",
        &[
            ("lib.rs", "pub mod wire;\npub mod helpers;\npub use wire::a::A;\n"),
            WIRE,
            ("wire/a.rs", "pub struct A;\n"),
            ("wire/b.rs", "use crate::A;\n"),
            ("helpers.rs", "pub fn h() {}\n"),
        ],
    );
    assert_eq!(
        problems(&tree.0),
        vec![
            "helpers is in no layer: put it in one of [\"wire\", \"connect\", \"table\", \"lambda\"]".to_string(),
            "wire::b uses the crate root (lib.rs), which is above every layer".to_string(),
        ]
    );
}

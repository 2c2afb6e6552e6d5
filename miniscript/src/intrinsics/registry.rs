//! The intrinsic table: every core name with its parameters and defaults exactly as
//! C# `print @f` shows them, the per-VM type maps, and the `intrinsics` map.
//!
//! The table order is the reference's creation order, so the `intrinsics` map
//! enumerates the same way; an intrinsic's id is its index in `Registry::list`.

use std::cell::RefCell;
use std::rc::Rc;

use super::{math, misc, seq, sort, string, Intrinsic, NativeFn};
use crate::ops::TypeMaps;
use crate::value::{new_map, FuncCode, FuncVal, MapRef, MsMap, ParamSpec, StrKey, Value};

/// A parameter default as written in the table.
#[derive(Clone, Copy)]
enum Def {
    /// No default: missing arguments are null, and `print @f` shows just the name.
    None,
    Num(f64),
    Str(&'static str),
}

use Def::None as N;

type Entry = (&'static str, &'static [(&'static str, Def)], NativeFn);

const TABLE: &[Entry] = &[
    ("abs", &[("x", Def::Num(0.0))], math::abs),
    ("acos", &[("x", Def::Num(0.0))], math::acos),
    ("asin", &[("x", Def::Num(0.0))], math::asin),
    (
        "atan",
        &[("y", Def::Num(0.0)), ("x", Def::Num(1.0))],
        math::atan,
    ),
    (
        "bitAnd",
        &[("i", Def::Num(0.0)), ("j", Def::Num(0.0))],
        math::bit_and,
    ),
    (
        "bitOr",
        &[("i", Def::Num(0.0)), ("j", Def::Num(0.0))],
        math::bit_or,
    ),
    (
        "bitXor",
        &[("i", Def::Num(0.0)), ("j", Def::Num(0.0))],
        math::bit_xor,
    ),
    ("char", &[("codePoint", Def::Num(65.0))], string::char_),
    ("ceil", &[("x", Def::Num(0.0))], math::ceil),
    ("code", &[("self", N)], string::code),
    ("cos", &[("radians", Def::Num(0.0))], math::cos),
    ("floor", &[("x", Def::Num(0.0))], math::floor),
    ("funcRef", &[], misc::func_ref),
    ("hash", &[("obj", N)], misc::hash),
    ("hasIndex", &[("self", N), ("index", N)], seq::has_index),
    ("indexes", &[("self", N)], seq::indexes),
    (
        "indexOf",
        &[("self", N), ("value", N), ("after", N)],
        seq::index_of,
    ),
    (
        "insert",
        &[("self", N), ("index", N), ("value", N)],
        seq::insert,
    ),
    ("intrinsics", &[], misc::intrinsics),
    (
        "join",
        &[("self", N), ("delimiter", Def::Str(" "))],
        seq::join,
    ),
    ("len", &[("self", N)], seq::len),
    ("list", &[], misc::list_type),
    (
        "log",
        &[("x", Def::Num(0.0)), ("base", Def::Num(10.0))],
        math::log,
    ),
    ("lower", &[("self", N)], string::lower),
    ("map", &[], misc::map_type),
    ("number", &[], misc::number_type),
    ("pi", &[], math::pi),
    (
        "print",
        &[("s", Def::Str("")), ("delimiter", N)],
        misc::print,
    ),
    ("pop", &[("self", N)], seq::pop),
    ("pull", &[("self", N)], seq::pull),
    ("push", &[("self", N), ("value", N)], seq::push),
    (
        "range",
        &[("from", Def::Num(0.0)), ("to", Def::Num(0.0)), ("step", N)],
        sort::range,
    ),
    ("refEquals", &[("a", N), ("b", N)], misc::ref_equals),
    ("remove", &[("self", N), ("k", N)], seq::remove),
    (
        "replace",
        &[("self", N), ("oldval", N), ("newval", N), ("maxCount", N)],
        seq::replace,
    ),
    (
        "round",
        &[("x", Def::Num(0.0)), ("decimalPlaces", Def::Num(0.0))],
        math::round,
    ),
    ("rnd", &[("seed", N)], math::rnd),
    ("sign", &[("x", Def::Num(0.0))], math::sign),
    ("sin", &[("radians", Def::Num(0.0))], math::sin),
    (
        "slice",
        &[("seq", N), ("from", Def::Num(0.0)), ("to", N)],
        seq::slice_fn,
    ),
    (
        "sort",
        &[("self", N), ("byKey", N), ("ascending", Def::Num(1.0))],
        sort::sort,
    ),
    (
        "split",
        &[
            ("self", N),
            ("delimiter", Def::Str(" ")),
            ("maxCount", Def::Num(-1.0)),
        ],
        string::split,
    ),
    ("sqrt", &[("x", Def::Num(0.0))], math::sqrt),
    ("stackTrace", &[], misc::stack_trace),
    ("str", &[("x", Def::Str(""))], string::str_),
    ("string", &[], misc::string_type),
    ("shuffle", &[("self", N)], sort::shuffle),
    ("sum", &[("self", N)], seq::sum),
    ("tan", &[("radians", Def::Num(0.0))], math::tan),
    ("time", &[], misc::time),
    ("upper", &[("self", N)], string::upper),
    ("val", &[("self", Def::Num(0.0))], string::val),
    ("values", &[("self", N)], seq::values),
    ("version", &[], misc::version),
    ("wait", &[("seconds", Def::Num(1.0))], misc::wait),
    ("yield", &[], misc::yield_),
];

/// Methods of the built-in type maps (spec §7.3), in the reference's order.
const STRING_METHODS: &[&str] = &[
    "hasIndex", "indexes", "indexOf", "insert", "code", "len", "lower", "val", "remove", "replace",
    "split", "upper", "values",
];
const LIST_METHODS: &[&str] = &[
    "hasIndex", "indexes", "indexOf", "insert", "join", "len", "pop", "pull", "push", "shuffle",
    "sort", "sum", "remove", "replace", "values",
];
const MAP_METHODS: &[&str] = &[
    "hasIndex", "indexes", "indexOf", "len", "pop", "push", "pull", "shuffle", "sum", "remove",
    "replace", "values",
];

/// Whether `name` is that of a core intrinsic (or, with `shell`, of a global
/// shell intrinsic): the compiler keeps loops that call it interpreted.
pub fn is_builtin(name: &str) -> bool {
    TABLE.iter().any(|e| e.0 == name) || super::shell::is_global(name)
}

/// Everything a new VM needs from the intrinsics: the functions by id, the type
/// maps, and the map that `intrinsics` returns (name -> function value).
pub struct Registry {
    pub list: Vec<Rc<Intrinsic>>,
    pub types: TypeMaps,
    pub map: MapRef,
}

/// Builds a fresh registry. Each VM gets its own, because scripts may extend the
/// type maps (`string.cap = function ...`).
pub fn create_registry() -> Registry {
    let mut list = Vec::with_capacity(TABLE.len());
    let mut all: MsMap = new_map();
    for (name, params, f) in TABLE {
        let params = params
            .iter()
            .map(|(pname, def)| ParamSpec {
                name: Rc::from(*pname),
                default: match def {
                    Def::None => Value::Null,
                    Def::Num(n) => Value::Num(*n),
                    Def::Str(s) => Value::str(s),
                },
            })
            .collect();
        let intrinsic = Rc::new(Intrinsic {
            name: Rc::from(*name),
            params,
            f: *f,
        });
        // One function value per intrinsic, shared by the global name and the type
        // maps, so `@"".len == @len`.
        let fv = FuncVal {
            code: FuncCode::Native(intrinsic.clone()),
            outer: None,
        };
        // The table that defines the names: not a shadowing of them.
        all.0.insert(Value::str(name), Value::Func(Rc::new(fv)));
        list.push(intrinsic);
    }
    let methods = |names: &[&str]| {
        let mut m = new_map();
        for n in names {
            if let Some(f) = all.get(&StrKey(n)) {
                m.insert(Value::str(n), f.clone());
            }
        }
        Rc::new(RefCell::new(m))
    };
    let types = TypeMaps {
        number: methods(&[]),
        string: methods(STRING_METHODS),
        list: methods(LIST_METHODS),
        map: methods(MAP_METHODS),
        funcref: methods(&[]),
    };
    Registry {
        list,
        types,
        map: Rc::new(RefCell::new(all)),
    }
}

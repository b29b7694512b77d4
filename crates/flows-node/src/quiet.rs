//! Panics inside the addon are caught and become `ERR_FLOW_INTERNAL` in JavaScript; their message and backtrace
//! reach stderr only when the user asks for debugging output (`WA_FLOWS_DEBUG=1`). Panics elsewhere in the
//! process (another addon) still go to the previous panic hook.
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

thread_local! {
    /// Set while addon code runs on this thread (an export, a pool job, a completion batch).
    static IN_ADDON: Cell<bool> = const { Cell::new(false) };
}

fn debugging() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var("WA_FLOWS_DEBUG").is_ok_and(|v| v == "1"))
}

/// Installs the filtering hook once per process, when the addon is loaded.
#[napi_derive::module_init]
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_ADDON.with(Cell::get) || debugging() {
            previous(info);
        }
    }));
}

/// Runs `f`, catching a panic (reported quietly): `Err(())` when it panicked.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    let outer = IN_ADDON.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f)).map_err(|_| ());
    IN_ADDON.with(|c| c.set(outer));
    result
}

//! Async work: a job runs on the addon's own thread pool and its promise is settled on the JS thread.
//!
//! One pool (rayon threads, one per core, at a lower priority than the JS thread) serves every environment (the
//! main thread and each worker thread). Each environment has one weak thread-safe function and a completion
//! queue: the first job to finish into an empty queue wakes the JS thread, which settles every completion that
//! arrived meanwhile in one go. The thread-safe function is referenced only while promises are pending, so an
//! idle addon never keeps a process or worker alive. When an environment goes away, its thread-safe function is
//! closed and late completions are dropped (their promises died with it).
use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr;
use std::sync::{Arc, Mutex, OnceLock};

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::errors::Failure;
use crate::output::Output;

pub type JobResult = std::result::Result<Output, Failure>;

struct Completion {
    id: u64,
    result: JobResult,
}

#[derive(Default)]
struct Queue {
    items: Vec<Completion>,
    /// A wake-up is on its way to the JS thread (cleared when it takes the batch).
    scheduled: bool,
}

/// Weak (unreferenced at creation), no error argument, no JS arguments.
type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// JS-thread-only bookkeeping of one environment.
struct Pending {
    deferreds: HashMap<u64, sys::napi_deferred>,
    next_id: u64,
    /// Whether the thread-safe function is referenced (promises pending).
    referenced: bool,
}

pub struct EnvState {
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Wake>,
    pending: std::rc::Rc<RefCell<Pending>>,
    #[cfg(feature = "testing")]
    pub libuv: std::cell::Cell<bool>,
}

/// Pool threads run this much nicer than the process (WA_FLOWS_THREAD_NICE overrides; 0 disables): they use
/// every idle core, but when the JS thread wakes it gets a core at once instead of sharing it with crypto work.
#[cfg(target_os = "linux")]
const POOL_NICE: i32 = 5;

fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let nice = std::env::var("WA_FLOWS_THREAD_NICE").ok().and_then(|v| v.trim().parse::<i32>().ok()).unwrap_or(POOL_NICE).clamp(0, 19);
        if nice > 0 {
            // SAFETY: plain syscalls on this thread's id; failures are ignored (the priority is advice).
            unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                let current = libc::getpriority(libc::PRIO_PROCESS, tid);
                libc::setpriority(libc::PRIO_PROCESS, tid, (current + nice).min(19));
            }
        }
    }
}

/// The pool, started on first use; WA_FLOWS_THREADS sets its size (default: the number of cores).
pub fn pool() -> std::result::Result<&'static rayon::ThreadPool, Failure> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    #[cfg(feature = "testing")]
    if crate::testing::take_spawn_failure() {
        return Err(Failure::internal("thread-pool"));
    }
    POOL.get_or_init(|| {
        let n = std::env::var("WA_FLOWS_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| (1..=256).contains(n))
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("wa-flows-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .ok()
    })
    .as_ref()
    .ok_or(Failure::internal("thread-pool"))
}

/// Settles every queued completion (on the JS thread), then releases the loop when nothing is pending.
fn drain(env: &Env, queue: &Mutex<Queue>, pending: &RefCell<Pending>, tsfn: sys::napi_threadsafe_function) {
    let batch = match queue.lock() {
        Ok(mut q) => {
            q.scheduled = false;
            std::mem::take(&mut q.items)
        }
        Err(_) => return,
    };
    let Ok(mut p) = pending.try_borrow_mut() else { return };
    for c in batch {
        let Some(deferred) = p.deferreds.remove(&c.id) else { continue };
        settle(env, deferred, c.result);
    }
    if p.deferreds.is_empty() && p.referenced {
        // SAFETY: called on the JS thread of the environment that owns `tsfn`.
        if unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) } == sys::Status::napi_ok {
            p.referenced = false;
        }
    }
}

/// Resolves or rejects one promise. A value that cannot be made (out of memory) rejects with an internal error.
fn settle(env: &Env, deferred: sys::napi_deferred, result: JobResult) {
    let raw = env.raw();
    let value = match result {
        // SAFETY: on the JS thread, with this environment.
        Ok(out) => match unsafe { Output::to_napi_value(raw, out) } {
            Ok(v) => Ok(v),
            Err(_) => Err(Failure::internal("result")),
        },
        Err(f) => Err(f),
    };
    let status = match value {
        // SAFETY: `deferred` came from napi_create_promise in this environment and is settled exactly once.
        Ok(v) => unsafe { sys::napi_resolve_deferred(raw, deferred, v) },
        Err(f) => match f.to_js(env).and_then(|e| unsafe { ToNapiValue::to_napi_value(raw, e) }) {
            Ok(e) => unsafe { sys::napi_reject_deferred(raw, deferred, e) },
            Err(_) => {
                let mut undefined = ptr::null_mut();
                unsafe {
                    sys::napi_get_undefined(raw, &mut undefined);
                    sys::napi_reject_deferred(raw, deferred, undefined)
                }
            }
        },
    };
    // A promise that could not be settled belongs to an environment being torn down: nothing is left to tell.
    let _ = status;
}

/// Creates this environment's completion channel (from `module_exports`, once per environment).
pub fn init(env: &Env) -> Result<()> {
    let queue: Arc<Mutex<Queue>> = Default::default();
    let pending = std::rc::Rc::new(RefCell::new(Pending { deferreds: HashMap::new(), next_id: 0, referenced: false }));
    let noop = env.create_function_from_closure::<(), (), _>("whatsappFlowsWake", |_| Ok(()))?;
    let (q, p) = (queue.clone(), pending.clone());
    let tsfn_slot: std::rc::Rc<std::cell::Cell<sys::napi_threadsafe_function>> = Default::default();
    let slot = tsfn_slot.clone();
    let wake: Wake = noop.build_threadsafe_function::<()>().callee_handled::<false>().weak::<true>().build_callback(
        move |ctx: ThreadsafeCallContext<()>| {
            let _ = crate::quiet::guarded(|| drain(&ctx.env, &q, &p, slot.get()));
            Ok(())
        },
    )?;
    tsfn_slot.set(wake.raw());
    let state = EnvState {
        queue,
        wake: Arc::new(wake),
        pending,
        #[cfg(feature = "testing")]
        libuv: std::cell::Cell::new(false),
    };
    env.set_instance_data(state, (), |_| {})
}

pub fn state(env: &Env) -> Result<&'static EnvState> {
    match env.get_instance_data::<EnvState>()? {
        Some(s) => Ok(s),
        None => Err(Error::new(Status::GenericFailure, "the whatsapp-flows addon was not initialised in this environment")),
    }
}

/// Runs `job` off the JS thread; returns a promise of its output. Fails (throws) only when the work cannot be
/// scheduled, before any promise exists: no promise is ever left unsettled.
pub fn spawn<'env>(env: &'env Env, job: impl FnOnce() -> JobResult + Send + 'static) -> Result<PromiseRaw<'env, Output>> {
    let st = state(env)?;
    #[cfg(feature = "testing")]
    if st.libuv.get() {
        return crate::testing::spawn_libuv(env, job);
    }
    let pool = match pool() {
        Ok(p) => p,
        Err(f) => return f.raise(env),
    };
    let raw = env.raw();
    let (mut deferred, mut promise) = (ptr::null_mut(), ptr::null_mut());
    let id = {
        let mut p = st.pending.try_borrow_mut().map_err(|_| Error::new(Status::GenericFailure, "re-entrant call"))?;
        // SAFETY: on the JS thread; the statuses are checked.
        if unsafe { sys::napi_create_promise(raw, &mut deferred, &mut promise) } != sys::Status::napi_ok {
            return Failure::internal("promise").raise(env);
        }
        if !p.referenced {
            // Keep the loop alive while a promise is pending.
            if unsafe { sys::napi_ref_threadsafe_function(raw, st.wake.raw()) } != sys::Status::napi_ok {
                settle(env, deferred, Err(Failure::internal("schedule")));
                return Ok(PromiseRaw::new(raw, promise));
            }
            p.referenced = true;
        }
        let id = p.next_id;
        p.next_id += 1;
        p.deferreds.insert(id, deferred);
        id
    };
    let (queue, wake) = (st.queue.clone(), st.wake.clone());
    pool.spawn_fifo(move || {
        let result = crate::quiet::guarded(job).unwrap_or(Err(Failure::internal("panic")));
        let Ok(mut q) = queue.lock() else { return };
        q.items.push(Completion { id, result });
        if q.scheduled {
            return;
        }
        // Non-blocking on an unbounded queue: fails only once the environment is closing (its promises are gone).
        if wake.call((), ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok {
            q.scheduled = true;
        }
    });
    Ok(PromiseRaw::new(raw, promise))
}

/// Creates this environment's completion channel when the addon is loaded into it.
#[napi(module_exports)]
pub fn module_init(_exports: Object, env: Env) -> Result<()> {
    init(&env)
}

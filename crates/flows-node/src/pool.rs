//! Async work: a job runs off the JS thread and its promise is settled on the JS thread.
//!
//! Two schedulers: our own pool (rayon threads sized to the cores; completions return through one
//! thread-safe function per environment, referenced only while jobs are pending so it never keeps the
//! process alive), and libuv's pool (`napi_async_work`, shared with fs/dns/zlib and 4 threads by
//! default). `own` is the default; `setThreadPool('libuv')` switches, for measurement.
use std::cell::Cell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use zeroize::Zeroizing;

use crate::napi::{Env, JsError, JsResult};
use crate::sys::*;

/// What a job hands back to JavaScript.
pub enum Output {
    /// Bytes given to JS without a copy where possible.
    Bytes(Vec<u8>),
    /// Secret or decrypted bytes: copied into a Buffer, then wiped here.
    Secret(Zeroizing<Vec<u8>>),
    /// An array of outputs.
    List(Vec<Output>),
}

impl Output {
    pub fn to_js(self, env: Env) -> JsResult<napi_value> {
        match self {
            Output::Bytes(b) => env.buffer_owned(b),
            Output::Secret(b) => env.buffer_copy(&b),
            Output::List(items) => {
                let values = items.into_iter().map(|o| o.to_js(env)).collect::<JsResult<Vec<_>>>()?;
                env.array(&values)
            }
        }
    }
}

pub type Job = Box<dyn FnOnce() -> JsResult<Output> + Send + 'static>;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Own,
    Libuv,
}

/// Per-environment state (main thread and each worker_thread have their own).
struct EnvState {
    mode: Cell<Mode>,
    done: Arc<Done>,
}

/// The own pool's completion channel for one environment. Workers push finished jobs; the first push onto an
/// empty queue wakes the JS thread through the thread-safe function, which drains everything that arrived
/// meanwhile in one call. When the environment goes away (a worker thread terminated, the process exiting),
/// Node finalizes the thread-safe function: `closed` is set under the lock first, and workers only call the
/// thread-safe function while holding the lock and seeing `closed == false`, so none touches it after it is freed.
struct Done {
    state: Mutex<DoneState>,
    tsfn: AtomicPtr<c_void>,
    /// Jobs submitted and not yet settled (changed on the JS thread only; atomic so `Done` can be shared).
    pending: AtomicUsize,
}

struct DoneState {
    queue: Vec<Completion>,
    closed: bool,
}

// `Completion` holds raw promise handles, only used back on the JS thread.
unsafe impl Sync for Done {}
unsafe impl Send for Done {}

/// A raw pointer moved to a worker thread; only dereferenced back on the JS thread or by N-API's
/// thread-safe calls.
struct SendPtr(*mut c_void);
unsafe impl Send for SendPtr {}

struct Completion {
    deferred: SendPtr,
    result: JsResult<Output>,
}

fn run_guarded(job: Job) -> JsResult<Output> {
    catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| Err(JsError::internal("internal error in the native addon (a Rust panic was caught)")))
}

fn settle(env: Env, deferred: napi_deferred, result: JsResult<Output>) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let (value, resolve) = match result.and_then(|o| o.to_js(env)) {
            Ok(v) => (v, true),
            Err(e) => match env.error(&e).or_else(|_| env.undefined()) {
                Ok(v) => (v, false),
                Err(_) => return,
            },
        };
        unsafe {
            if resolve {
                napi_resolve_deferred(env.0, deferred, value);
            } else {
                napi_reject_deferred(env.0, deferred, value);
            }
        }
    }));
}

/// Pool threads run at a lower scheduling priority than the JS thread: they still use every idle core, but when
/// the JS thread wakes (a timer, an I/O event, a completion) the kernel gives it a core at once instead of
/// time-slicing it with crypto work. This keeps the event loop responsive under full load.
fn yield_to_js_thread() {
    #[cfg(target_os = "linux")]
    unsafe {
        // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value. Advisory: errors are ignored.
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let nice = std::env::var("WHATSAPP_FLOWS_THREAD_NICE").ok().and_then(|v| v.trim().parse::<i32>().ok()).unwrap_or(POOL_NICE).clamp(0, 19);
        if nice > 0 {
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            libc::setpriority(libc::PRIO_PROCESS, tid, (current + nice).min(19));
        }
    }
}

/// How much nicer than the process the pool threads are (WHATSAPP_FLOWS_THREAD_NICE overrides; 0 disables).
#[cfg(target_os = "linux")]
const POOL_NICE: i32 = 5;

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // WHATSAPP_FLOWS_THREADS overrides the size (read once, when the pool first starts).
        let n = std::env::var("WHATSAPP_FLOWS_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| (1..=256).contains(n))
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("wa-flows-{i}"))
            .start_handler(|_| yield_to_js_thread())
            .build()
            .expect("could not start the whatsapp-flows thread pool")
    })
}

unsafe extern "C" fn call_js(env: napi_env, _cb: napi_value, context: *mut c_void, _data: *mut c_void) {
    if env.is_null() {
        return; // the environment is shutting down: nothing to settle
    }
    // `context` holds a reference to `Done` that is released only by `tsfn_finalized`, after the last call.
    let done = &*(context as *const Done);
    let batch = match done.state.lock() {
        Ok(mut st) => std::mem::take(&mut st.queue),
        Err(_) => return,
    };
    let n = batch.len();
    for c in batch {
        settle(Env(env), c.deferred.0, c.result);
    }
    if n > 0 && done.pending.fetch_sub(n, Ordering::AcqRel) == n {
        napi_unref_threadsafe_function(env, done.tsfn.load(Ordering::Acquire));
    }
}

/// Runs on the JS thread when Node tears the thread-safe function down, before it frees it.
unsafe extern "C" fn tsfn_finalized(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    let done = Arc::from_raw(data as *const Done);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(mut st) = done.state.lock() {
            st.closed = true;
            st.queue.clear(); // their promises belong to the environment that is going away
        }
    }));
}

unsafe extern "C" fn drop_state(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data as *mut EnvState));
}

/// Creates this environment's completion channel. Called once from module registration.
pub fn init(env: Env) -> JsResult<()> {
    let name = env.string("whatsapp-flows")?;
    // The thread-safe function owns one reference to `done` (its context and finalizer data); the handle is
    // stored into `done` right after creation, before any job can run.
    let mut tsfn = ptr::null_mut();
    let done = Arc::new(Done { state: Mutex::new(DoneState { queue: Vec::new(), closed: false }), tsfn: AtomicPtr::new(ptr::null_mut()), pending: AtomicUsize::new(0) });
    let raw = Arc::into_raw(done.clone()) as *mut c_void;
    let status = unsafe {
        napi_create_threadsafe_function(env.0, ptr::null_mut(), ptr::null_mut(), name, 0, 1, raw, Some(tsfn_finalized), raw, Some(call_js), &mut tsfn)
    };
    if status != NAPI_OK {
        drop(unsafe { Arc::from_raw(raw as *const Done) });
        return Err(JsError::internal("could not create the completion channel"));
    }
    done.tsfn.store(tsfn, Ordering::Release);
    let state = Box::into_raw(Box::new(EnvState { mode: Cell::new(Mode::Own), done }));
    unsafe {
        napi_unref_threadsafe_function(env.0, tsfn);
        if napi_set_instance_data(env.0, state.cast(), Some(drop_state), ptr::null_mut()) != NAPI_OK {
            drop(Box::from_raw(state));
            return Err(JsError::internal("could not store the addon's state"));
        }
    }
    Ok(())
}

fn state<'a>(env: Env) -> JsResult<&'a EnvState> {
    let mut data = ptr::null_mut();
    unsafe { napi_get_instance_data(env.0, &mut data) };
    if data.is_null() {
        return Err(JsError::internal("the addon was not initialised"));
    }
    Ok(unsafe { &*(data as *const EnvState) })
}

pub fn set_mode(env: Env, mode: Mode) -> JsResult<()> {
    state(env)?.mode.set(mode);
    Ok(())
}

pub fn mode(env: Env) -> JsResult<Mode> {
    Ok(state(env)?.mode.get())
}

/// Runs `job` off the JS thread; returns a promise settled with its output.
pub fn spawn(env: Env, job: Job) -> JsResult<napi_value> {
    let st = state(env)?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    if unsafe { napi_create_promise(env.0, &mut deferred, &mut promise) } != NAPI_OK {
        return Err(JsError::internal("could not create a promise"));
    }
    match st.mode.get() {
        Mode::Own => spawn_own(env, st, deferred, job),
        Mode::Libuv => spawn_libuv(env, deferred, job)?,
    }
    Ok(promise)
}

fn spawn_own(env: Env, st: &EnvState, deferred: napi_deferred, job: Job) {
    let pool = pool(); // first, so a pool that cannot start leaves nothing referenced
    let done = st.done.clone();
    if done.pending.fetch_add(1, Ordering::AcqRel) == 0 {
        unsafe { napi_ref_threadsafe_function(env.0, done.tsfn.load(Ordering::Acquire)) };
    }
    let deferred = SendPtr(deferred);
    pool.spawn_fifo(move || {
        let completion = Completion { deferred, result: run_guarded(job) };
        let Ok(mut st) = done.state.lock() else { return };
        if st.closed {
            return; // the environment is gone; so is the promise
        }
        st.queue.push(completion);
        if st.queue.len() == 1 {
            // Called under the lock: the finalizer cannot free the handle meanwhile.
            unsafe { napi_call_threadsafe_function(done.tsfn.load(Ordering::Acquire), ptr::null_mut(), NAPI_TSFN_NONBLOCKING) };
        }
    });
}

struct Work {
    job: Option<Job>,
    result: Option<JsResult<Output>>,
    deferred: napi_deferred,
    work: napi_async_work,
}

unsafe extern "C" fn work_execute(_env: napi_env, data: *mut c_void) {
    let w = &mut *(data as *mut Work);
    if let Some(job) = w.job.take() {
        w.result = Some(run_guarded(job));
    }
}

unsafe extern "C" fn work_complete(env: napi_env, _status: napi_status, data: *mut c_void) {
    let w = Box::from_raw(data as *mut Work);
    napi_delete_async_work(env, w.work);
    let result = w.result.unwrap_or_else(|| Err(JsError::internal("the job was cancelled")));
    settle(Env(env), w.deferred, result);
}

fn spawn_libuv(env: Env, deferred: napi_deferred, job: Job) -> JsResult<()> {
    let name = env.string("whatsapp-flows")?;
    let w = Box::into_raw(Box::new(Work { job: Some(job), result: None, deferred, work: ptr::null_mut() }));
    unsafe {
        let mut work = ptr::null_mut();
        if napi_create_async_work(env.0, ptr::null_mut(), name, Some(work_execute), Some(work_complete), w.cast(), &mut work) != NAPI_OK {
            drop(Box::from_raw(w));
            return Err(JsError::internal("could not create async work"));
        }
        (*w).work = work;
        if napi_queue_async_work(env.0, work) != NAPI_OK {
            napi_delete_async_work(env.0, work);
            drop(Box::from_raw(w));
            return Err(JsError::internal("could not queue async work"));
        }
    }
    Ok(())
}

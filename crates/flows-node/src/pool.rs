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
    tsfn: napi_threadsafe_function,
    pending: Cell<usize>,
    mode: Cell<Mode>,
    done: Arc<Done>,
}

/// Completed jobs waiting for the JS thread. Workers push; the first push onto an empty queue wakes the JS thread
/// through the thread-safe function, which then drains everything that arrived meanwhile in one call.
struct Done {
    queue: Mutex<Vec<Completion>>,
    tsfn: SendPtr,
}

// The thread-safe function handle is made for calls from any thread.
unsafe impl Sync for Done {}

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
            Err(e) => match env.error(&e) {
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
    let state = &*(context as *const EnvState);
    let batch = match state.done.queue.lock() {
        Ok(mut q) => std::mem::take(&mut *q),
        Err(_) => return,
    };
    let n = batch.len();
    for c in batch {
        settle(Env(env), c.deferred.0, c.result);
    }
    let left = state.pending.get().saturating_sub(n);
    state.pending.set(left);
    if left == 0 {
        napi_unref_threadsafe_function(env, state.tsfn);
    }
}

unsafe extern "C" fn drop_state(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // The thread-safe function itself is torn down by Node with the environment.
    drop(Box::from_raw(data as *mut EnvState));
}

/// Creates this environment's completion channel. Called once from module registration.
pub fn init(env: Env) -> JsResult<()> {
    let state = Box::into_raw(Box::new(EnvState {
        tsfn: ptr::null_mut(),
        pending: Cell::new(0),
        mode: Cell::new(Mode::Own),
        done: Arc::new(Done { queue: Mutex::new(Vec::new()), tsfn: SendPtr(ptr::null_mut()) }),
    }));
    let name = env.string("whatsapp-flows")?;
    let mut tsfn = ptr::null_mut();
    let status = unsafe {
        napi_create_threadsafe_function(env.0, ptr::null_mut(), ptr::null_mut(), name, 0, 1, ptr::null_mut(), None, state.cast(), Some(call_js), &mut tsfn)
    };
    if status != NAPI_OK {
        drop(unsafe { Box::from_raw(state) });
        return Err(JsError::internal("could not create the completion channel"));
    }
    unsafe {
        (*state).tsfn = tsfn;
        (*state).done = Arc::new(Done { queue: Mutex::new(Vec::new()), tsfn: SendPtr(tsfn) });
        napi_unref_threadsafe_function(env.0, tsfn);
        if napi_set_instance_data(env.0, state.cast(), Some(drop_state), ptr::null_mut()) != NAPI_OK {
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
    if st.pending.get() == 0 {
        unsafe { napi_ref_threadsafe_function(env.0, st.tsfn) };
    }
    st.pending.set(st.pending.get() + 1);
    let done = st.done.clone();
    let deferred = SendPtr(deferred);
    pool().spawn_fifo(move || {
        let completion = Completion { deferred, result: run_guarded(job) };
        let first = match done.queue.lock() {
            Ok(mut q) => {
                q.push(completion);
                q.len() == 1
            }
            Err(_) => false,
        };
        if first {
            // If the environment is closing this fails; the queued completions go with the last `done` reference.
            unsafe { napi_call_threadsafe_function(done.tsfn.0, ptr::null_mut(), NAPI_TSFN_NONBLOCKING) };
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

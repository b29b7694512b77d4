//! Hooks for the test suite only (cargo feature `testing`; release builds leave them out): deliberate panics,
//! live-handle counts, libuv's pool instead of ours, and a scheduling failure on demand.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::{run, Failure};
use crate::output::Output;
use crate::pool::{self, JobResult};

static LIVE_HANDLES: AtomicUsize = AtomicUsize::new(0);
static FAIL_NEXT_SPAWN: AtomicBool = AtomicBool::new(false);

pub fn handle_created() {
    LIVE_HANDLES.fetch_add(1, Ordering::Relaxed);
}

pub fn handle_dropped() {
    LIVE_HANDLES.fetch_sub(1, Ordering::Relaxed);
}

pub fn take_spawn_failure() -> bool {
    FAIL_NEXT_SPAWN.swap(false, Ordering::AcqRel)
}

/// Native handles (keys, media decryptors) not yet finalized.
#[napi(js_name = "__liveHandles")]
pub fn live_handles() -> u32 {
    LIVE_HANDLES.load(Ordering::Relaxed) as u32
}

/// Panics on purpose: `sync` in this call, `async` in a pool job.
#[napi(js_name = "__panic", ts_return_type = "Promise<never> | never")]
pub fn deliberate_panic<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "'sync' | 'async'")] place: String,
) -> Result<Either<PromiseRaw<'env, Output>, ()>> {
    match place.as_str() {
        "sync" => run(env, || -> std::result::Result<(), Failure> { panic!("deliberate panic (sync)") }).map(Either::B),
        _ => pool::spawn(env, || -> JobResult { panic!("deliberate panic (async)") }).map(Either::A),
    }
}

/// Makes the next attempt to schedule work fail before any promise exists.
#[napi(js_name = "__failNextSpawn")]
pub fn fail_next_spawn() {
    FAIL_NEXT_SPAWN.store(true, Ordering::Release);
}

/// Schedules this environment's async work on `own` (the addon's pool) or `libuv` (napi's AsyncTask).
#[napi]
pub fn set_thread_pool(env: Env, #[napi(ts_arg_type = "'own' | 'libuv'")] mode: String) -> Result<()> {
    let libuv = match mode.as_str() {
        "own" => false,
        "libuv" => true,
        _ => return Failure::invalid_value("thread-pool").raise(&env),
    };
    pool::state(&env)?.libuv.set(libuv);
    Ok(())
}

#[napi(ts_return_type = "'own' | 'libuv'")]
pub fn thread_pool(env: Env) -> Result<String> {
    Ok(if pool::state(&env)?.libuv.get() { "libuv" } else { "own" }.to_string())
}

/// A job on libuv's pool (napi's AsyncTask), for comparison with ours.
pub struct LibuvJob {
    job: Option<Box<dyn FnOnce() -> JobResult + Send>>,
}

impl Task for LibuvJob {
    type Output = Option<JobResult>;
    type JsValue = Output;

    fn compute(&mut self) -> Result<Self::Output> {
        let job = self.job.take();
        Ok(job.map(|j| crate::quiet::guarded(j).unwrap_or(Err(Failure::internal("panic")))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Output> {
        match output {
            Some(Ok(out)) => Ok(out),
            Some(Err(f)) => f.raise(&env),
            None => Failure::internal("cancelled").raise(&env),
        }
    }
}

pub fn spawn_libuv<'env>(env: &'env Env, job: impl FnOnce() -> JobResult + Send + 'static) -> Result<PromiseRaw<'env, Output>> {
    Ok(env.spawn(LibuvJob { job: Some(Box::new(job)) })?.promise_object())
}

//! A bounded pool for CPU-heavy work: key generation (case 2; RSA keys cost 0.1–1 s of CPU
//! each) and PDF rendering. The work runs on blocking threads, at most `threads` at a time,
//! with at most `queue` requests waiting; beyond that a request is refused at once (503 with
//! `Retry-After`) instead of stalling the server. A panic in `f` is not "full": it unwinds into the handler (→ 500).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct BoundedPool {
    running: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    capacity: usize,
}

/// The pool is full.
#[derive(Debug)]
pub struct PoolFull;

impl BoundedPool {
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        BoundedPool {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: threads + queue,
        }
    }

    /// Runs `f` on the blocking pool once a generation slot is free, or refuses at once
    /// when `threads + queue` requests are already admitted.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolFull> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(PoolFull);
        }
        let _admission = Admission(self.admitted.clone());
        let _permit = self.running.acquire().await.map_err(|_| PoolFull)?;
        let span = tracing::Span::current();
        match actix_web::rt::task::spawn_blocking(move || {
            let _entered = span.enter();
            f()
        })
        .await
        {
            Ok(value) => Ok(value),
            // A panic is a bug, not a full pool: it goes on unwinding in the handler, where
            // `http::panic::catch_panic` answers 500 (the hook has logged it already). The
            // slot and the admission are released as this frame unwinds.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(PoolFull),
        }
    }
}

/// Releases the admission when the request ends, however it ends.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

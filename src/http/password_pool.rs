//! The bounded pool that verifies passwords (argon2id: ~19 MiB and tens of milliseconds of
//! CPU each). `threads` dedicated threads, each keeping one memory block
//! ([`Verifier`](crate::domain::account::password::Verifier)) while it is busy; at most `queue` more
//! verifications wait. Beyond that a sign-in is refused at once (503 with `Retry-After`), so a
//! flood costs neither unbounded memory nor the other routes' threads: peak memory is about
//! `threads` × 19 MiB above the rest of the service.
//!
//! A slot is taken *before* the sign-in touches the database ([`PasswordPool::try_admit`]),
//! so that a refused attempt costs nothing but an atomic increment. The slot travels with the
//! job and is released when the verification ends, even if the client has gone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::domain::account::password::Verifier;

/// A thread idle for this long gives its memory block back.
const IDLE_RELEASE: Duration = Duration::from_secs(30);

struct Job {
    password: String,
    stored: Option<String>,
    span: tracing::Span,
    reply: oneshot::Sender<bool>,
    slot: Slot,
}

#[derive(Clone)]
pub struct PasswordPool {
    jobs: mpsc::Sender<Job>,
    admitted: Arc<AtomicUsize>,
    capacity: usize,
}

/// Every slot is taken: come back later.
#[derive(Debug)]
pub struct PoolFull;

/// The verification did not finish (it panicked; the panic is logged by the hook).
#[derive(Debug)]
pub struct VerifyFailed;

/// A reserved place in the pool, released when dropped.
pub struct Admission {
    pool: PasswordPool,
    slot: Slot,
}

struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordPool {
    /// Starts `threads` threads (at least one); `queue` verifications may wait for them.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || worker(&rx))
                .expect("a password-hashing thread starts");
        }
        PasswordPool {
            jobs,
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: threads + queue,
        }
    }

    /// Reserves a place, or refuses at once when `threads + queue` are taken.
    pub fn try_admit(&self) -> Result<Admission, PoolFull> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(PoolFull);
        }
        Ok(Admission {
            pool: self.clone(),
            slot: Slot(self.admitted.clone()),
        })
    }

    /// Places taken now (running and waiting).
    pub fn in_use(&self) -> usize {
        self.admitted.load(Ordering::SeqCst)
    }
}

impl Admission {
    /// Verifies `password` against `stored` (`None`: an unknown user, verified against the
    /// dummy hash at the same cost, and false) on one of the pool's threads.
    pub async fn verify(
        self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, VerifyFailed> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            password,
            stored,
            span: tracing::Span::current(),
            reply,
            slot: self.slot,
        };
        self.pool.jobs.send(job).map_err(|_| VerifyFailed)?;
        answer.await.map_err(|_| VerifyFailed)
    }
}

/// The verifiers yield the CPU to the HTTP workers: under a flood, answering the other
/// routes (and refusing sign-ins at once) matters more than verifying faster.
const NICENESS: i32 = 10;

fn lower_priority() {
    // SAFETY: plain system calls on the calling thread (Linux: a thread's nice value is its
    // own); a failure only leaves the priority as it was.
    #[cfg(target_os = "linux")]
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS);
    }
}

fn worker(rx: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    let mut verifier = Verifier::new();
    loop {
        let next = {
            let Ok(rx) = rx.lock() else { return };
            rx.recv_timeout(IDLE_RELEASE)
        };
        let job = match next {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                verifier.release();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let Job {
            password,
            stored,
            span,
            reply,
            slot,
        } = job;
        let _entered = span.enter();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            verifier.verify(&password, stored.as_deref())
        }));
        // The place is free before the caller hears the answer.
        drop(slot);
        match outcome {
            Ok(ok) => {
                let _ = reply.send(ok);
            }
            // Logged by the panic hook; the reply is dropped (→ 500) and the thread goes on.
            Err(_) => verifier = Verifier::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_threads_plus_queue_admission_is_refused_and_a_released_slot_is_reusable() {
        let pool = PasswordPool::new(1, 2);
        let a = pool.try_admit().unwrap();
        let _b = pool.try_admit().unwrap();
        let _c = pool.try_admit().unwrap();
        assert!(pool.try_admit().is_err());
        assert_eq!(pool.in_use(), 3);
        drop(a);
        assert!(pool.try_admit().is_ok());
    }

    #[actix_web::test]
    async fn a_verification_runs_on_the_pool_and_gives_its_slot_back() {
        let pool = PasswordPool::new(1, 0);
        let hash =
            crate::domain::account::password::hash_password("correct horse battery").unwrap();
        let slot = pool.try_admit().unwrap();
        assert!(pool.try_admit().is_err());
        let ok = slot
            .verify("correct horse battery".into(), Some(hash))
            .await
            .unwrap();
        assert!(ok);
        let unknown = pool
            .try_admit()
            .unwrap()
            .verify("x".into(), None)
            .await
            .unwrap();
        assert!(!unknown);
        assert_eq!(pool.in_use(), 0);
    }
}

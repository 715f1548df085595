//! Argon2 off the runtime, in bounded memory. A fixed number of worker threads each keep one
//! Argon2 working memory (about 19 MiB) for their whole life and compute every hash in it.
//! Measured: with a fresh allocation per hash, on whichever blocking thread the runtime
//! picked, the allocator kept a freed 19 MiB region per thread and a burst of wrong secrets
//! grew the process by 250–500 MiB even two at a time. Here memory is the workers' buffers and
//! a short queue of waiting jobs, whatever comes in.

use std::sync::{
    mpsc::{sync_channel, Receiver, SyncSender, TrySendError},
    Arc, Mutex,
};

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::oneshot;

/// How many hashes run at once: two cores gain nothing from more.
pub const CONCURRENT_HASHES: usize = 2;

/// How many jobs may wait for a worker; more are refused as busy. The sign-in doors' rate
/// limits keep well under this in normal use.
pub const WAITING_HASHES: usize = 256;

enum Job {
    Hash { secret: String, reply: oneshot::Sender<Option<String>> },
    Verify { secret: String, phc: String, reply: oneshot::Sender<bool> },
}

/// Why a hash was not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    #[error("too many hashes are waiting")]
    Full,
    #[error("the hashing workers have stopped")]
    Stopped,
}

/// The workers and their queue.
pub struct HashingPool {
    jobs: SyncSender<Job>,
}

impl HashingPool {
    /// Starts `workers` threads, each with its own working memory.
    pub fn start(workers: usize) -> Self {
        let (jobs, queue) = sync_channel(WAITING_HASHES);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..workers.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || work(&queue));
            if spawned.is_err() {
                tracing::error!("cannot start a hashing worker");
            }
        }
        Self { jobs }
    }

    fn submit(&self, job: Job) -> Result<(), Busy> {
        self.jobs.try_send(job).map_err(|err| match err {
            TrySendError::Full(_) => Busy::Full,
            TrySendError::Disconnected(_) => Busy::Stopped,
        })
    }

    /// The Argon2id PHC string of `secret` (`None` if Argon2 refused it).
    pub async fn hash(&self, secret: String) -> Result<Option<String>, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { secret, reply })?;
        answer.await.map_err(|_| Busy::Stopped)
    }

    /// Whether `secret` is the one hashed in `phc`.
    pub async fn verify(&self, secret: String, phc: String) -> Result<bool, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify { secret, phc, reply })?;
        answer.await.map_err(|_| Busy::Stopped)
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    // Made at the first job, kept until the pool is dropped.
    let mut memory: Vec<Block> = Vec::new();
    loop {
        // The lock is held only while taking the next job, not while hashing it.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        if memory.is_empty() {
            memory = vec![Block::default(); Params::default().block_count()];
        }
        // A requester that stopped waiting no longer hears the answer; nothing else to do.
        match job {
            Ok(Job::Hash { secret, reply }) => drop(reply.send(hash_in(&secret, &mut memory))),
            Ok(Job::Verify { secret, phc, reply }) => drop(reply.send(matches_in(&secret, &phc, &mut memory))),
            Err(_) => return,
        }
    }
}

/// A new Argon2id hash with the default parameters, computed in `memory`.
fn hash_in(secret: &str, memory: &mut [Block]) -> Option<String> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon.hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut out, &mut memory[..]).ok()?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).ok()?),
    };
    Some(hash.to_string())
}

/// Whether `secret` hashes, with `phc`'s parameters and salt, to `phc`'s output (compared in
/// constant time). A stored hash that does not parse, or asks for more memory than a worker
/// keeps (none of ours does), matches nothing.
fn matches_in(secret: &str, phc: &str, memory: &mut [Block]) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(hash.algorithm), Params::try_from(&hash)) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
        None => Version::default(),
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
    let Some(memory) = memory.get_mut(..params.block_count()) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    argon.hash_password_into_with_memory(secret.as_bytes(), salt_bytes, &mut out, memory).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{client_secret_matches, hash_client_secret};

    #[tokio::test]
    async fn the_workers_agree_with_the_argon2_crate_both_ways() {
        let pool = HashingPool::start(1);
        let ours = pool.hash("s3cret".into()).await.unwrap().unwrap();
        assert!(client_secret_matches("s3cret", &ours) && !client_secret_matches("other", &ours));
        let theirs = hash_client_secret("s3cret").unwrap();
        assert!(pool.verify("s3cret".into(), theirs.clone()).await.unwrap());
        assert!(!pool.verify("other".into(), theirs).await.unwrap());
        assert!(!pool.verify("s3cret".into(), "not a hash".into()).await.unwrap());
        // More memory than a worker keeps is not ours: it matches nothing.
        let greedy = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        assert!(!pool.verify("password".into(), greedy.into()).await.unwrap());
    }
}
